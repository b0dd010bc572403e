package io.github.astreg.benchmarks.sink;

import io.github.astreg.benchmarks.store.BenchStores;
import io.github.astreg.core.json.EventJson;
import io.github.astreg.core.model.ContactChange;
import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.model.EndpointStateEvent;
import io.github.astreg.sink.redis.RedisEndpointSink;
import io.github.astreg.sink.redis.RedisKeys;
import io.github.astreg.sink.redis.RedisSinkConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.UnifiedJedis;

/**
 * sink-redis against the real Redis on {@code 127.0.0.1:6379} (override with
 * {@code -Dastreg.bench.redis=redis://host:port}), next to a hand-written baseline in the same run.
 * One operation is one change; one invocation writes one batch of {@value #BATCH} changes (the
 * pipeline's default batch size) from {@link ChangeStream}.
 *
 * <ul>
 *   <li>{@code astregSink}: {@link RedisEndpointSink#write}: per change the version-guarded Lua
 *       script (EVALSHA), location recomputed, PUBLISH on the events channel; one pipeline per batch.
 *   <li>{@code pipelinedHset}: the baseline with no library around Jedis: one HSET per change of
 *       the same key and field, under a prefix of its own ({@code <prefix>base:ep:{PJSIP/1xxxx}},
 *       {@code c:<node>:<uri>} or {@code d:<node>}), with the change's JSON encoded beforehand, one
 *       pipeline per batch; no version guard, no location, no publish.
 *   <li>{@code pipelinedHsetEncoding}: the same, with each change encoded by core's {@link EventJson}
 *       inside the measurement, as a hand-written sink handed the same events would have to (the
 *       sink encodes inside {@code write} too). Not the baseline; printed beside it.
 * </ul>
 *
 * <p>The baseline has keys of its own, as many and of the same shape as the sink's, so that neither
 * side's writes change what the other finds (a field the sink finds written by someone else sends
 * it down its slowest path), while Redis holds the same amount of data for both.
 *
 * <p>Every run uses a unique key prefix ({@code astreg-bench-<uuid>:}) and deletes its keys at the end.
 * Target: astregSink ≥ 0.5 × pipelinedHset.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class RedisSinkBenchmark {
    /** Changes per invocation: the pipeline's default batch size. */
    public static final int BATCH = 500;

    @Param({"10000"})
    public int endpoints;

    private String prefix;
    private RedisEndpointSink sink;
    private UnifiedJedis client;
    private ChangeStream stream;
    private RedisKeys keys;
    private RedisKeys baseKeys;
    private List<EndpointStateEvent> batch;
    private String[] hsetKeys;
    private String[] hsetFields;
    private String[] hsetValues;

    @Setup(Level.Trial)
    public void setUp() {
        prefix = BenchStores.keyPrefix();
        keys = RedisKeys.withPrefix(prefix);
        baseKeys = RedisKeys.withPrefix(prefix + "base:");
        client = BenchStores.redis(BenchStores.redisUri());
        sink = RedisEndpointSink.builder(RedisSinkConfig.builder()
                        .uri(BenchStores.redisUri())
                        .keyPrefix(prefix)
                        .build())
                .build();
        sink.start();
        stream = new ChangeStream(endpoints, 1);
        // a store that already holds every phone, as after a cold start
        List<EndpointStateEvent> initial = stream.initialContacts();
        for (int i = 0; i < initial.size(); i += BATCH) {
            List<EndpointStateEvent> part = initial.subList(i, Math.min(initial.size(), i + BATCH));
            sink.write(part);
            hset(part);
        }
        hsetKeys = new String[BATCH];
        hsetFields = new String[BATCH];
        hsetValues = new String[BATCH];
    }

    /**
     * The next batch, and the same batch as the baseline's keys, fields and values, prepared outside
     * the measurement.
     */
    @Setup(Level.Invocation)
    public void nextBatch() {
        batch = stream.nextBatch(BATCH);
        for (int k = 0; k < batch.size(); k++) {
            EndpointStateEvent e = batch.get(k);
            EndpointId ep = e.endpoint().orElseThrow();
            hsetKeys[k] = baseKeys.endpoint(ep);
            hsetFields[k] = e.change() instanceof ContactChange c
                    ? RedisKeys.contactField(e.node(), c.uri())
                    : RedisKeys.deviceField(e.node());
            hsetValues[k] = EventJson.write(e);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            if (sink != null) {
                sink.close();
            }
            BenchStores.deleteKeys(client, prefix);
        } finally {
            client.close();
        }
    }

    private void hset(List<EndpointStateEvent> events) {
        List<String[]> rows = new ArrayList<>(events.size());
        for (EndpointStateEvent e : events) {
            EndpointId ep = e.endpoint().orElseThrow();
            String field = e.change() instanceof ContactChange c
                    ? RedisKeys.contactField(e.node(), c.uri())
                    : RedisKeys.deviceField(e.node());
            rows.add(new String[] {baseKeys.endpoint(ep), field, EventJson.write(e)});
        }
        try (AbstractPipeline p = client.pipelined()) {
            for (String[] r : rows) {
                p.hset(r[0], r[1], r[2]);
            }
            p.sync();
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void astregSink() {
        sink.write(batch);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void pipelinedHsetEncoding() {
        try (AbstractPipeline p = client.pipelined()) {
            for (int k = 0; k < BATCH; k++) {
                p.hset(hsetKeys[k], hsetFields[k], EventJson.write(batch.get(k)));
            }
            p.sync();
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void pipelinedHset() {
        try (AbstractPipeline p = client.pipelined()) {
            for (int k = 0; k < BATCH; k++) {
                p.hset(hsetKeys[k], hsetFields[k], hsetValues[k]);
            }
            p.sync();
        }
    }
}
