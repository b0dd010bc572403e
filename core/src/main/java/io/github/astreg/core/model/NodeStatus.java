package io.github.astreg.core.model;

/** What a source says about the node it watches. */
public enum NodeStatus {
    /** The link to the node is up and its state has been resynchronised. */
    UP,
    /** The link to the node is down; its state is stale (R5). */
    DOWN,
    /** A full-state snapshot of the node follows (R6). */
    SNAPSHOT_BEGIN,
    /** The snapshot is complete: everything of the node not seen since SNAPSHOT_BEGIN is removed (R6). */
    SNAPSHOT_END
}
