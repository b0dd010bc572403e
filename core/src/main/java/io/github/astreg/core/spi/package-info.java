/**
 * The source and sink contracts: {@link io.github.astreg.core.spi.EndpointEventSource} reports what
 * one Asterisk node does, {@link io.github.astreg.core.spi.EndpointSink} makes the registry's
 * changes durable. Both spell out lifecycle and threading in their Javadoc.
 */
package io.github.astreg.core.spi;
