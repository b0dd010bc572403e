package io.github.astreg.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.astreg.examples.Astreg;
import io.github.astreg.examples.run.Adapters;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** {@code astreg demo --once}, in process: the first full picture, as one table. */
class DemoTest {

    @Test
    void demoOncePrintsEveryPhoneLocatedOnBothNodes() throws Exception {
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        int code;
        try (PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
                PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8)) {
            code = new Astreg(out, err, Map.of(), new Adapters(), false)
                    .execute("demo", "--once", "--port", "0", "--timeout", "60s");
        }
        String text = outBytes.toString(StandardCharsets.UTF_8);
        assertThat(code)
                .as("exit status; stderr: %s; stdout: %s", errBytes, text)
                .isZero();
        assertThat(text).doesNotContain("\033[");
        assertThat(text).contains("astreg demo: pbx1 over AMI, pbx2 over");
        assertThat(text).contains("agrees on 20/20");
        assertThat(text).containsPattern("lookup: curl http://127\\.0\\.0\\.1:\\d+/v1/locate/PJSIP/1001");

        List<String> lines = text.lines().toList();
        int header = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("ENDPOINT")) {
                header = i;
            }
        }
        assertThat(header).as("header line in:%n%s", text).isNotNegative();
        assertThat(lines.get(header).split("\\s{2,}"))
                .containsExactly("ENDPOINT", "NODE", "ADDRESS", "CONTACT", "RTT", "JITTER", "DEVICE", "LAST CHANGE");
        List<String[]> rows = new ArrayList<>();
        for (String line : lines.subList(header + 1, lines.size())) {
            if (!line.isBlank()) {
                rows.add(line.split("\\s{2,}"));
            }
        }
        assertThat(rows).hasSize(20);
        Set<String> nodes = new TreeSet<>();
        Set<String> devices = new TreeSet<>();
        for (int i = 0; i < rows.size(); i++) {
            String[] r = rows.get(i);
            assertThat(r).as(String.join(" | ", r)).hasSize(8);
            assertThat(r[0]).isEqualTo("PJSIP/" + (1001 + i));
            assertThat(r[1]).isIn("pbx1", "pbx2");
            assertThat(r[2]).matches("10\\.0\\.[12]\\.\\d+:\\d+");
            assertThat(r[2]).startsWith(r[1].equals("pbx1") ? "10.0.1." : "10.0.2.");
            assertThat(r[3]).isEqualTo("REACHABLE");
            assertThat(r[4]).matches("\\d+\\.\\d ms");
            assertThat(r[6]).isIn("NOT_INUSE", "INUSE", "RINGING", "ONHOLD", "RINGINUSE", "BUSY");
            assertThat(r[7]).matches("\\d\\d:\\d\\d:\\d\\d \\(\\d+s ago\\)");
            nodes.add(r[1]);
            devices.add(r[6]);
        }
        assertThat(nodes).containsExactly("pbx1", "pbx2");
        // the set-up starts a ringing call and a held call on each node
        assertThat(devices).contains("NOT_INUSE", "RINGING", "INUSE", "ONHOLD");
        assertThat(text).containsPattern("2 nodes \\(pbx1 UP: 10, pbx2 UP: 10\\) \\| 20 endpoints, 20 located");

        // everything the demo started is gone
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!leftovers().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void theLiveDemoPlaysTheStoryAndRedrawsInPlace() throws Exception {
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
        DemoOptions options = DemoOptions.builder()
                .port(0)
                .ansi(true)
                .refresh(Duration.ofMillis(100))
                .step(Duration.ofMillis(30))
                .build();
        Demo demo = Demo.start(options, new Adapters(), out);
        Thread table = new Thread(demo::refreshUntilClosed, "demo-test-table");
        try {
            table.start();
            java.net.URI base = demo.runner().lookup().orElseThrow().baseUri();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (storySteps(outBytes) < 40 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(storySteps(outBytes))
                    .as("story steps shown in the title")
                    .isGreaterThanOrEqualTo(40);
            // the lookup service answers for a phone the table shows located
            LiveTable.Row located = demo.table().rows().stream()
                    .filter(LiveTable.Row::located)
                    .findFirst()
                    .orElseThrow();
            java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient()
                    .send(
                            java.net.http.HttpRequest.newBuilder(base.resolve("/v1/locate/" + located.endpoint()))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isIn(200, 404); // the story may move it in between
        } finally {
            demo.close();
            table.join(10_000);
        }
        assertThat(table.isAlive()).isFalse();
        String text = outBytes.toString(StandardCharsets.UTF_8);
        assertThat(text).startsWith(LiveTable.CLEAR_SCREEN + LiveTable.HOME);
        assertThat(text.split(java.util.regex.Pattern.quote(LiveTable.HOME)).length)
                .isGreaterThan(3);
        assertThat(text).contains(LiveTable.CLEAR_LINE + "\n").contains(LiveTable.CLEAR_BELOW);
    }

    private static int storySteps(ByteArrayOutputStream out) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("story step (\\d+)").matcher(out.toString(StandardCharsets.UTF_8));
        int last = 0;
        while (m.find()) {
            last = Integer.parseInt(m.group(1));
        }
        return last;
    }

    private static List<String> leftovers() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> n.startsWith("astreg-demo")
                        || n.startsWith("astreg-http")
                        || n.startsWith("astreg-fake")
                        || n.startsWith("astreg-ami")
                        || n.startsWith("astreg-ari")
                        || n.startsWith("astreg-sink")
                        || n.startsWith("astreg-pipeline"))
                .toList();
    }
}
