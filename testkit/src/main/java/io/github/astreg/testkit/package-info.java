/**
 * Fake Asterisk nodes ({@link io.github.astreg.testkit.FakeAsterisk}, {@link
 * io.github.astreg.testkit.FakeCluster}) speaking AMI and ARI on 127.0.0.1, driven by a scenario API.
 * No JUnit dependency. Nothing in this package returns or accepts {@code null}; absent values are
 * {@link java.util.Optional}. Types in {@code io.github.astreg.testkit.internal} are not API.
 */
package io.github.astreg.testkit;
