/**
 * Wiring: {@link io.github.astreg.core.pipeline.Pipeline} takes observations from sources, applies
 * them to the registry and delivers the changes to sinks. Threads are documented on the class.
 */
package io.github.astreg.core.pipeline;
