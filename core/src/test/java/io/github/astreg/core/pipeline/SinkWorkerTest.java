package io.github.astreg.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.ContactStatus;
import io.github.astreg.core.model.DeviceChange;
import io.github.astreg.core.model.DeviceState;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.core.model.NodeId;
import io.github.astreg.core.model.ObservationKey;
import io.github.astreg.core.model.Origin;
import io.github.astreg.core.spi.EndpointSink;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How a sink's worker orders what waits for the store. */
class SinkWorkerTest {
    private static final NodeId PBX1 = NodeId.of("pbx1");
    private static final Instant T0 = Instant.parse("2026-11-26T05:00:00Z");
    private static final int BATCH = 40;

    /** Holds the first write until released; records every batch. */
    static final class HeldSink implements EndpointSink {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<List<EndpointStateEvent>> batches = new ArrayList<>();

        @Override
        public String name() {
            return "held";
        }

        @Override
        public void write(List<EndpointStateEvent> batch) throws Exception {
            entered.countDown();
            assertThat(release.await(30, TimeUnit.SECONDS)).isTrue();
            synchronized (batches) {
                batches.add(List.copyOf(batch));
            }
        }

        List<List<EndpointStateEvent>> batches() {
            synchronized (batches) {
                return List.copyOf(batches);
            }
        }

        @Override
        public void close() {}
    }

    private final List<SinkWorker> workers = new ArrayList<>();
    private long sequence;

    @AfterEach
    void closeWorkers() {
        workers.forEach(w -> w.close(Duration.ofSeconds(5)));
    }

    private SinkWorker worker(HeldSink sink) {
        SinkWorker w =
                new SinkWorker(sink, PipelineConfig.builder().batchSize(BATCH).build());
        workers.add(w);
        w.start();
        return w;
    }

    private EndpointStateEvent contact(int phone, Origin origin) {
        sequence++;
        EndpointId ep = EndpointId.pjsip(Integer.toString(1000 + phone));
        return new EndpointStateEvent(
                PBX1,
                T0.plusMillis(sequence),
                sequence,
                origin,
                ContactChange.builder(ep, "sip:" + phone + "@10.0.0.1:5060", ContactStatus.REACHABLE)
                        .build());
    }

    private EndpointStateEvent device(int phone, Origin origin) {
        sequence++;
        return new EndpointStateEvent(
                PBX1,
                T0.plusMillis(sequence),
                sequence,
                origin,
                new DeviceChange(EndpointId.pjsip(Integer.toString(1000 + phone)), DeviceState.INUSE));
    }

    private static void offer(SinkWorker w, List<EndpointStateEvent> changes) {
        ObservationKey[] keys = changes.stream().map(EndpointStateEvent::key).toArray(ObservationKey[]::new);
        w.offer(changes, keys);
    }

    @Test
    void aLiveChangeDoesNotWaitBehindAListReadButTheListStillGetsAQuarterOfEachBatch() throws Exception {
        HeldSink sink = new HeldSink();
        SinkWorker w = worker(sink);
        offer(w, List.of(device(0, Origin.AMI)));
        assertThat(sink.entered.await(10, TimeUnit.SECONDS)).isTrue();

        // while that write hangs: a contact list read of 200 phones, then 60 live changes
        List<EndpointStateEvent> poll = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            poll.add(contact(i, Origin.POLL));
        }
        offer(w, poll);
        List<EndpointStateEvent> liveChanges = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            liveChanges.add(device(i, Origin.AMI));
        }
        offer(w, liveChanges);
        sink.release.countDown();
        assertThat(w.awaitIdle(Duration.ofSeconds(10))).isTrue();

        List<List<EndpointStateEvent>> batches = sink.batches();
        List<EndpointStateEvent> second = batches.get(1);
        assertThat(second).hasSize(BATCH);
        // 30 live changes and 10 of the list: live first, the list's quarter after them
        assertThat(second.subList(0, 30)).isEqualTo(liveChanges.subList(0, 30));
        assertThat(second.subList(30, BATCH)).isEqualTo(poll.subList(0, 10));
        assertThat(batches.get(2).subList(0, 30)).isEqualTo(liveChanges.subList(30, 60));
        // everything arrives, each once
        assertThat(batches.stream().mapToInt(List::size).sum()).isEqualTo(1 + 200 + 60);
    }

    @Test
    void aKeyKeepsItsPlaceWhileNewerChangesReplaceIt_andALiveChangeLiftsItOutOfTheBulkLane() throws Exception {
        HeldSink sink = new HeldSink();
        SinkWorker w = worker(sink);
        offer(w, List.of(device(99, Origin.AMI)));
        assertThat(sink.entered.await(10, TimeUnit.SECONDS)).isTrue();

        List<EndpointStateEvent> first = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            first.add(device(i, Origin.AMI));
        }
        offer(w, first);
        // phone 0 changes again: it stays first in line, with its newest state
        EndpointStateEvent newer = device(0, Origin.AMI);
        offer(w, List.of(newer));
        // a list row of phone 7, then a live change of the same contact
        offer(w, List.of(contact(7, Origin.POLL)));
        EndpointStateEvent lifted = contact(7, Origin.ARI);
        offer(w, List.of(lifted));
        assertThat(w.pendingKeys()).isEqualTo(6);
        sink.release.countDown();
        assertThat(w.awaitIdle(Duration.ofSeconds(10))).isTrue();

        List<EndpointStateEvent> second = sink.batches().get(1);
        assertThat(second).containsExactly(newer, first.get(1), first.get(2), first.get(3), first.get(4), lifted);
    }
}
