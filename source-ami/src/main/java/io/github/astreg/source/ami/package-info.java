/**
 * An {@link io.github.astreg.core.spi.EndpointEventSource} over the Asterisk Manager Interface:
 * {@link io.github.astreg.source.ami.AmiEndpointSource}, configured by
 * {@link io.github.astreg.source.ami.AmiSourceConfig}. Everything in the {@code internal} packages
 * is implementation and may change without notice.
 *
 * <p>Nullness: no method of this package returns {@code null} or accepts it, unless documented.
 */
package io.github.astreg.source.ami;
