/**
 * The Redis store of astreg: {@link io.github.astreg.sink.redis.RedisEndpointSink} writes the
 * registry's changes, {@link io.github.astreg.sink.redis.RedisEndpointRegistry} reads them back (on any
 * machine) with the same rules as core's in-memory registry, {@link io.github.astreg.sink.redis.RedisKeys}
 * is the key layout dialplans rely on, {@link io.github.astreg.sink.redis.RedisSinkConfig} configures
 * standalone, Sentinel or Cluster. Nothing in this package returns or accepts {@code null}.
 *
 * <p>{@code io.github.astreg.sink.redis.internal} is not API.
 */
package io.github.astreg.sink.redis;
