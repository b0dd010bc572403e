/**
 * astreg's ARI source: {@link io.github.astreg.source.ari.AriEndpointSource} watches one Asterisk node
 * over ARI, configured by {@link io.github.astreg.source.ari.AriSourceConfig};
 * {@link io.github.astreg.source.ari.AriEventDecoder} maps single websocket frames the same way. No
 * parameter or return value is {@code null}: optional values are {@link java.util.Optional}.
 * {@code io.github.astreg.source.ari.internal} is not API and may change in any release.
 */
package io.github.astreg.source.ari;
