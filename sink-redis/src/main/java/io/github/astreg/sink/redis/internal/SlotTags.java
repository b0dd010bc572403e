package io.github.astreg.sink.redis.internal;

import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * One short hash tag per Redis Cluster slot: the first string of {@code 0, 1, 2, …} (base 36) that
 * hashes to it. Every sink computes the same table, so keys built with these tags (the writer
 * stamps) are the same keys on every machine.
 */
public final class SlotTags {
    /** Redis Cluster's number of slots. */
    public static final int SLOTS = 16384;

    private SlotTags() {}

    /**
     * The tag of {@code slot}.
     *
     * @throws IllegalArgumentException when {@code slot} is not in [0, {@value #SLOTS})
     */
    public static String of(int slot) {
        if (slot < 0 || slot >= SLOTS) {
            throw new IllegalArgumentException("slot must be in [0, " + SLOTS + "), was " + slot);
        }
        return Table.TAGS[slot];
    }

    /** Built on first use (about 170 000 CRC16s of at most four characters). */
    private static final class Table {
        static final String[] TAGS = build();

        private static String[] build() {
            String[] tags = new String[SLOTS];
            int left = SLOTS;
            for (int i = 0; left > 0; i++) {
                String candidate = Integer.toString(i, 36);
                int slot = JedisClusterCRC16.getSlot(candidate);
                if (tags[slot] == null) {
                    tags[slot] = candidate;
                    left--;
                }
            }
            return tags;
        }
    }
}
