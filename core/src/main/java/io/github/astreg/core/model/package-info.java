/**
 * The canonical model: who reported ({@link io.github.astreg.core.model.NodeId}), about what
 * ({@link io.github.astreg.core.model.EndpointId}), the one observation type every source emits
 * ({@link io.github.astreg.core.model.EndpointStateEvent}) and what the registry answers
 * ({@link io.github.astreg.core.model.EndpointRecord}). Every type is an immutable, validated value;
 * constructors throw {@link java.lang.IllegalArgumentException} naming the field and the bad value.
 * No component is ever {@code null}: optional values are {@link java.util.Optional}.
 */
package io.github.astreg.core.model;
