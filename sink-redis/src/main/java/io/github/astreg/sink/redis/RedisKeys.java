package io.github.astreg.sink.redis;

import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.sink.redis.internal.SlotTags;
import java.util.Objects;

/**
 * The Redis key layout, a contract that dialplans and other readers depend on (see the module's
 * README). With the default prefix {@code astreg:}:
 *
 * <table>
 *   <caption>keys</caption>
 *   <tr><th>key</th><th>type</th><th>holds</th></tr>
 *   <tr><td>{@code astreg:ep:{PJSIP/1001}}</td><td>hash</td><td>one field per node and kind
 *       ({@code c:<node>:<uri>}, {@code e:<node>}, {@code d:<node>}), each the merged state as JSON
 *       with its version</td></tr>
 *   <tr><td>{@code astreg:loc:{PJSIP/1001}}</td><td>string</td><td>the node of the best live contact
 *       (R2, node staleness not applied), with the contact's expiry as TTL</td></tr>
 *   <tr><td>{@code astreg:node:pbx1}</td><td>hash</td><td>{@code status}, {@code heartbeatAt},
 *       {@code collector}, {@code startedAt}, {@code v}, {@code event}; expires {@code heartbeatTtl}
 *       after the newest heartbeat</td></tr>
 *   <tr><td>{@code astreg:nodes}</td><td>hash</td><td>node → last known state (never expires), so
 *       that a node whose heartbeat key expired is known to be stale</td></tr>
 *   <tr><td>{@code astreg:idx:endpoints}, {@code astreg:idx:node:pbx1}</td><td>set</td><td>endpoint
 *       names ever written (all, and per node); a superset, filtered on read</td></tr>
 *   <tr><td>{@code astreg:events}</td><td>channel</td><td>core's {@code EventJson} of every applied
 *       change</td></tr>
 * </table>
 *
 * <p>The endpoint name sits verbatim between braces, so both keys of one endpoint share Redis
 * Cluster's hash tag and live in one slot. A name containing {@code }} still works: the tag is then a
 * prefix of the name, identical for both keys.
 */
public final class RedisKeys {
    private final String prefix;

    private RedisKeys(String prefix) {
        this.prefix = Objects.requireNonNull(prefix, "prefix");
    }

    /** The keys of a store written with {@code prefix} (for example {@code astreg:}). */
    public static RedisKeys withPrefix(String prefix) {
        return new RedisKeys(prefix);
    }

    public String prefix() {
        return prefix;
    }

    /** {@code <prefix>ep:{TECH/resource}}: the per-endpoint hash. */
    public String endpoint(EndpointId endpoint) {
        return prefix + "ep:{" + endpoint + "}";
    }

    /** {@code <prefix>loc:{TECH/resource}}: the node currently holding the endpoint's registration. */
    public String location(EndpointId endpoint) {
        return prefix + "loc:{" + endpoint + "}";
    }

    /** {@code <prefix>node:<node>}: the node's heartbeat hash, with a TTL. */
    public String node(NodeId node) {
        return prefix + "node:" + node.value();
    }

    /** {@code <prefix>nodes}: every node ever heard of and its last known state. */
    public String nodes() {
        return prefix + "nodes";
    }

    /** {@code <prefix>idx:endpoints}: every endpoint name written. */
    public String endpointIndex() {
        return prefix + "idx:endpoints";
    }

    /** {@code <prefix>idx:node:<node>}: every endpoint name written for the node. */
    public String nodeIndex(NodeId node) {
        return prefix + "idx:node:" + node.value();
    }

    /** {@code <prefix>events}: the pub/sub channel of applied changes. */
    public String events() {
        return prefix + "events";
    }

    /** {@code <prefix>sink:<id>}: a sink instance's marker, used to notice that the store lost its data. */
    public String sinkMarker(String sinkId) {
        return prefix + "sink:" + sinkId;
    }

    /**
     * {@code <prefix>w:<node>}: the writer stamp of the node's fields in endpoint hashes: which sink
     * wrote them last (see the module's README, "Script semantics"). Outside Cluster.
     */
    public String writerStamp(NodeId node) {
        return prefix + "w:" + node.value();
    }

    /**
     * {@code <prefix>w:{<tag>}:<node>}: in Cluster, the writer stamp of the node's fields in the
     * endpoint hashes of one slot; {@code tag} is the same short string for a slot on every machine.
     *
     * @throws IllegalArgumentException when {@code slot} is not in [0, 16384)
     */
    public String writerStamp(NodeId node, int slot) {
        return prefix + "w:{" + SlotTags.of(slot) + "}:" + node.value();
    }

    /** Field of a contact in the endpoint hash: {@code c:<node>:<uri>}. */
    public static String contactField(NodeId node, String uri) {
        return "c:" + node.value() + ":" + uri;
    }

    /** Field of the endpoint state in the endpoint hash: {@code e:<node>}. */
    public static String endpointField(NodeId node) {
        return "e:" + node.value();
    }

    /** Field of the device state in the endpoint hash: {@code d:<node>}. */
    public static String deviceField(NodeId node) {
        return "d:" + node.value();
    }
}
