/**
 * The read side ({@link io.github.astreg.core.registry.EndpointRegistry}) and the reference
 * implementation of the registry rules R1–R9 ({@link io.github.astreg.core.registry.InMemoryEndpointRegistry}).
 * No method accepts or returns {@code null}.
 */
package io.github.astreg.core.registry;
