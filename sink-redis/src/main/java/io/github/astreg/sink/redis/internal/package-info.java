/** Implementation details of sink-redis; not API, may change in any release. */
package io.github.astreg.sink.redis.internal;
