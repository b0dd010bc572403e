package io.github.astreg.core.model;

/** A network address as Asterisk reports it: host (name, IPv4 or IPv6 literal) and port 1..65535. */
public record HostPort(String host, int port) {
    public HostPort {
        Checks.text("host", host, 255);
        if (port < 1 || port > 65535) {
            throw Checks.invalid("port", port, "must be 1..65535");
        }
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
