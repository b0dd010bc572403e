package io.github.astreg.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.core.model.EndpointId;
import io.github.astreg.core.pipeline.Pipeline;
import io.github.astreg.core.pipeline.PipelineConfig;
import io.github.astreg.core.registry.InMemoryEndpointRegistry;
import io.github.astreg.core.spi.EndpointEventSource;
import io.github.astreg.sink.jdbc.JdbcEndpointSink;
import io.github.astreg.sink.jdbc.JdbcSinkConfig;
import io.github.astreg.source.ami.AmiEndpointSource;
import io.github.astreg.source.ami.AmiSourceConfig;
import io.github.astreg.source.ari.AriEndpointSource;
import io.github.astreg.source.ari.AriSourceConfig;
import io.github.astreg.testkit.FakeAsterisk;
import io.github.astreg.testkit.Registration;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/**
 * Source faults end to end, down to the store (H2): what source-ami's and source-ari's own tests
 * check on the registry, checked here on the tables a dialplan reads. Each scenario prints its
 * figures. Links dropped while a phone unregisters, errors in answers to the source's actions.
 */
class SourceFaultsTest {
    private static final Duration WAIT = Duration.ofSeconds(40);

    private static JdbcDataSource h2() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:faults_" + UUID.randomUUID().toString().replace("-", "") + ";DB_CLOSE_DELAY=0");
        ds.setUser("sa");
        return ds;
    }

    private static Pipeline pipeline(
            InMemoryEndpointRegistry registry, EndpointEventSource source, JdbcEndpointSink sink) {
        return Pipeline.builder(registry)
                .config(PipelineConfig.builder()
                        .flushInterval(Duration.ofMillis(5))
                        .heartbeatInterval(Duration.ofMillis(500))
                        .build())
                .source(source)
                .sink(sink)
                .build();
    }

    private static AmiEndpointSource ami(FakeAsterisk pbx) {
        return AmiEndpointSource.create(AmiSourceConfig.builder("127.0.0.1", pbx.amiUser(), "astregpass")
                .port(pbx.amiPort())
                .keepaliveInterval(Duration.ofMillis(500))
                .readTimeout(Duration.ofSeconds(3))
                .contactPollInterval(Duration.ofSeconds(1))
                .contactPollDelay(Duration.ofMillis(50))
                .actionTimeout(Duration.ofSeconds(15))
                .reconnectDelay(Duration.ofMillis(100), Duration.ofMillis(500))
                .build());
    }

    private static AriEndpointSource ari(FakeAsterisk pbx) {
        return AriEndpointSource.builder(AriSourceConfig.builder(pbx.ariUrl(), pbx.ariUser(), "astregpass")
                        .application("faults")
                        .reconnectDelay(Duration.ofMillis(100), Duration.ofMillis(500))
                        .build())
                .build();
    }

    /** The link drops, phone 1001 unregisters unheard, 1002 stays: after the resync the tables know. */
    private static void checkTheTablesAfterTheLinkDroppedWhileAPhoneUnregistered(
            String protocol, FakeAsterisk pbx, EndpointEventSource source, Runnable drop) throws Exception {
        JdbcDataSource ds = h2();
        InMemoryEndpointRegistry registry = InMemoryEndpointRegistry.create();
        JdbcEndpointSink sink =
                JdbcEndpointSink.builder(ds, JdbcSinkConfig.builder().build()).build();
        try (Connection keep = ds.getConnection();
                Pipeline pipeline = pipeline(registry, source, sink)) {
            pipeline.start();
            Poll.until(protocol + " source connected", WAIT, source::isConnected);
            pbx.register("1001", Registration.from("127.0.0.1", 5061));
            pbx.register("1002", Registration.from("127.0.0.1", 5062));
            Poll.until(
                    "1001 and 1002 located in the store",
                    WAIT,
                    () -> sink.registry().locate(EndpointId.pjsip("1001")).isPresent()
                            && sink.registry().locate(EndpointId.pjsip("1002")).isPresent());
            long received = pipeline.metrics().received();

            long t0 = System.nanoTime();
            drop.run();
            pbx.unregister("1001"); // nobody hears it
            List<EndpointId> endpoints = PhoneStream.endpoints();
            boolean converged = Poll.within(
                    WAIT,
                    () -> sink.registry().locate(EndpointId.pjsip("1001")).isEmpty()
                            && Views.of(sink.registry(), endpoints).equals(Views.of(registry, endpoints)));
            long millis = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf(
                    "[reliability] %s link dropped while 1001 unregisters: observations %d after the drop,"
                            + " changes written %d, source counters %s, converged=%s in %d ms%n",
                    protocol,
                    pipeline.metrics().received() - received,
                    pipeline.metrics().sinks().get(0).changesWritten(),
                    source.counters(),
                    converged,
                    millis);
            assertThat(sink.registry().locate(EndpointId.pjsip("1001")))
                    .as("1001 unregistered while the %s link was down: the store must not route to it", protocol)
                    .isEmpty();
            assertThat(sink.registry().locate(EndpointId.pjsip("1002"))).isPresent();
            assertThat(Views.of(sink.registry(), endpoints)).isEqualTo(Views.of(registry, endpoints));
        }
    }

    @Test
    void amiLinkDroppedWhileAPhoneUnregisters() throws Exception {
        try (FakeAsterisk pbx = FakeAsterisk.builder("fault1")
                .systemName("fault1")
                .timestampEvents(true)
                .build()
                .start()) {
            checkTheTablesAfterTheLinkDroppedWhileAPhoneUnregistered("AMI", pbx, ami(pbx), pbx::dropAmi);
        }
    }

    @Test
    void ariLinkDroppedWhileAPhoneUnregisters() throws Exception {
        try (FakeAsterisk pbx =
                FakeAsterisk.builder("fault2").systemName("fault2").build().start()) {
            checkTheTablesAfterTheLinkDroppedWhileAPhoneUnregistered("ARI", pbx, ari(pbx), pbx::dropAri);
        }
    }

    /**
     * Asterisk restarts ({@code core restart now}): the link drops, the node comes back with a new
     * startup time, registrations return unqualified until the next qualify. The store follows the
     * registry through every phase.
     */
    private static void checkTheStoreFollowsAnAsteriskRestart(
            String protocol, FakeAsterisk pbx, EndpointEventSource source) throws Exception {
        JdbcDataSource ds = h2();
        InMemoryEndpointRegistry registry = InMemoryEndpointRegistry.create();
        JdbcEndpointSink sink =
                JdbcEndpointSink.builder(ds, JdbcSinkConfig.builder().build()).build();
        List<EndpointId> endpoints = PhoneStream.endpoints();
        try (Connection keep = ds.getConnection();
                Pipeline pipeline = pipeline(registry, source, sink)) {
            pipeline.start();
            Poll.until(protocol + " source connected", WAIT, source::isConnected);
            pbx.register("1005", Registration.from("127.0.0.1", 5065));
            Poll.until(
                    "1005 located in the store",
                    WAIT,
                    () -> sink.registry().locate(EndpointId.pjsip("1005")).isPresent());
            long received = pipeline.metrics().received();
            long t0 = System.nanoTime();
            pbx.restart();
            Poll.until(
                    "reconnected after the restart, store equals registry",
                    WAIT,
                    () -> source.isConnected()
                            && source.counters().getOrDefault("reconnects", 0L) >= 1
                            && Views.of(sink.registry(), endpoints).equals(Views.of(registry, endpoints)),
                    () -> source.counters() + "\nstore    " + Views.of(sink.registry(), endpoints) + "\nregistry "
                            + Views.of(registry, endpoints));
            long resyncMillis = (System.nanoTime() - t0) / 1_000_000;
            pbx.qualify("1005", Duration.ofMillis(3));
            Poll.until(
                    "1005 reachable again in the store",
                    WAIT,
                    () -> Views.of(sink.registry(), endpoints).equals(Views.of(registry, endpoints))
                            && Views.of(sink.registry(), endpoints)
                                    .get("PJSIP/1005")
                                    .contains("=REACHABLE"),
                    () -> "store " + Views.of(sink.registry(), endpoints).get("PJSIP/1005") + " registry "
                            + Views.of(registry, endpoints).get("PJSIP/1005"));
            System.out.printf(
                    "[reliability] %s: Asterisk restart: observations %d after it, changes written %d,"
                            + " store equal to the registry %d ms after the restart, counters %s%n",
                    protocol,
                    pipeline.metrics().received() - received,
                    pipeline.metrics().sinks().get(0).changesWritten(),
                    resyncMillis,
                    source.counters());
            assertThat(sink.registry().locate(EndpointId.pjsip("1005"))).isPresent();
        }
    }

    @Test
    void asteriskRestartSeenThroughAmi() throws Exception {
        try (FakeAsterisk pbx = FakeAsterisk.builder("fault4")
                .systemName("fault4")
                .timestampEvents(true)
                .build()
                .start()) {
            checkTheStoreFollowsAnAsteriskRestart("AMI", pbx, ami(pbx));
        }
    }

    @Test
    void asteriskRestartSeenThroughAri() throws Exception {
        try (FakeAsterisk pbx =
                FakeAsterisk.builder("fault5").systemName("fault5").build().start()) {
            checkTheStoreFollowsAnAsteriskRestart("ARI", pbx, ari(pbx));
        }
    }

    /**
     * Asterisk answers the contact list with an error (a manager.conf user without the right
     * permission, a module not loaded): the source says so in the log, keeps the link and the live
     * events, and fills in the contact details once the action works again.
     */
    @Test
    void errorsInAnswersToActionsAreReportedAndRepairedByTheNextPoll() throws Exception {
        try (LogCapture log = LogCapture.start();
                FakeAsterisk pbx = FakeAsterisk.builder("fault3")
                        .systemName("fault3")
                        .timestampEvents(true)
                        .build()
                        .start()) {
            JdbcDataSource ds = h2();
            InMemoryEndpointRegistry registry = InMemoryEndpointRegistry.create();
            AmiEndpointSource source = ami(pbx);
            JdbcEndpointSink sink = JdbcEndpointSink.builder(
                            ds, JdbcSinkConfig.builder().build())
                    .build();
            try (Connection keep = ds.getConnection();
                    Pipeline pipeline = pipeline(registry, source, sink)) {
                pipeline.start();
                Poll.until("AMI source connected", WAIT, source::isConnected);
                pbx.faults().failAction("PJSIPShowContacts", "Permission denied (test)");
                String uri = pbx.register(
                        "1003", Registration.from("127.0.0.1", 5063).userAgent("Fuzzy Phone 1.0"));
                Poll.until(
                        "1003 located from the live event alone",
                        WAIT,
                        () -> sink.registry().locate(EndpointId.pjsip("1003")).isPresent());
                Poll.sleep(2_500); // two poll intervals with failing answers
                assertThat(source.isConnected())
                        .as("an error answer is no reason to drop the link")
                        .isTrue();
                assertThat(log.text()).contains("Permission denied (test)");
                long t0 = System.nanoTime();
                pbx.faults().reset();
                Poll.until(
                        "contact details (user agent) in the store after the action works again",
                        WAIT,
                        () -> sink.registry()
                                .find(EndpointId.pjsip("1003"))
                                .flatMap(r -> r.presence().stream()
                                        .flatMap(p -> p.contacts().stream())
                                        .filter(c -> c.uri().equals(uri))
                                        .findFirst())
                                .flatMap(c -> c.userAgent())
                                .map(ua -> ua.equals("Fuzzy Phone 1.0"))
                                .orElse(false),
                        () -> String.valueOf(sink.registry().find(EndpointId.pjsip("1003"))));
                System.out.printf(
                        "[reliability] PJSIPShowContacts answered with errors: source counters %s;"
                                + " details in the store %d ms after the fault cleared%n",
                        source.counters(), (System.nanoTime() - t0) / 1_000_000);
            }
        }
    }
}
