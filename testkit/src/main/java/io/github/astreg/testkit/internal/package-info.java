/** Implementation of the fakes (protocol servers, node model). Not API: may change without notice. */
package io.github.astreg.testkit.internal;
