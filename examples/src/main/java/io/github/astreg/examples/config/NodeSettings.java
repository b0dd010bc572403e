package io.github.astreg.examples.config;

import io.github.astreg.core.model.NodeId;
import java.util.Map;
import java.util.Objects;

/**
 * One {@code nodes[i]} entry of the runner's configuration.
 *
 * @param id the node id
 * @param protocol AMI or ARI: which block the entry has
 * @param settings the block's keys after {@code ${ENV}} substitution: {@code host}, {@code port},
 *     {@code username}, {@code secret} for AMI; {@code url}, {@code username}, {@code password},
 *     {@code app} for ARI; defaults filled in
 * @param options the block's {@code options:} map, handed to the source's {@code fromMap} as is
 * @param path where the entry is in the file ({@code nodes[1]}), for messages
 */
public record NodeSettings(
        NodeId id, Protocol protocol, Map<String, String> settings, Map<String, String> options, String path) {

    /** The protocol a node is watched with. */
    public enum Protocol {
        AMI,
        ARI;

        /** The block key: {@code ami} or {@code ari}. */
        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public NodeSettings {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(protocol, "protocol");
        settings = Map.copyOf(settings);
        options = Map.copyOf(options);
        Objects.requireNonNull(path, "path");
    }

    /** The path of this entry's protocol block, such as {@code nodes[1].ami}. */
    public String blockPath() {
        return path + "." + protocol.key();
    }

    @Override
    public String toString() {
        return "NodeSettings[id=" + id + ", protocol=" + protocol + ", settings=" + Secrets.redact(settings)
                + ", options=" + Secrets.redact(options) + "]";
    }
}
