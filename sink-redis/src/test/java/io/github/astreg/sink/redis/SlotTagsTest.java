package io.github.astreg.sink.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.astreg.core.model.NodeId;
import io.github.astreg.sink.redis.internal.SlotTags;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.util.JedisClusterCRC16;

class SlotTagsTest {
    @Test
    void everySlotHasAShortTagThatHashesToIt() {
        Set<String> tags = new HashSet<>();
        for (int slot = 0; slot < SlotTags.SLOTS; slot++) {
            String tag = SlotTags.of(slot);
            assertThat(JedisClusterCRC16.getSlot(tag)).as("tag %s", tag).isEqualTo(slot);
            assertThat(tag.length()).isLessThanOrEqualTo(4);
            tags.add(tag);
        }
        assertThat(tags).hasSize(SlotTags.SLOTS);
    }

    @Test
    void aStampKeyLivesInItsSlotWhateverItsNode() {
        RedisKeys keys = RedisKeys.withPrefix("astreg:");
        for (String node : new String[] {"pbx1", "pbx-2.lon", "a_b"}) {
            for (int slot : new int[] {0, 866, 16383}) {
                assertThat(JedisClusterCRC16.getSlot(keys.writerStamp(NodeId.of(node), slot)))
                        .isEqualTo(slot);
            }
        }
        assertThat(keys.writerStamp(NodeId.of("pbx1"))).isEqualTo("astreg:w:pbx1");
    }

    @Test
    void aSlotOutsideTheClusterRangeIsRefused() {
        assertThatThrownBy(() -> SlotTags.of(16384)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SlotTags.of(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
