package io.github.astreg.source.ari.internal;

import io.github.astreg.core.model.HostPort;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads host and port from a SIP contact URI, such as {@code sip:1001@127.0.0.1:5061;ob} or
 * {@code sips:alice@[2001:db8::1]}. ARI reports no contact details, so the URI is the only source of a
 * contact's address there. Without a port, 5060 is assumed ({@code sips:} or {@code transport=tls}:
 * 5061), as RFC 3261 does for IP literals.
 */
public final class ContactUris {
    private ContactUris() {}

    /** Host and port of the URI; empty when it is no {@code sip:}/{@code sips:} URI with a usable host. */
    public static Optional<HostPort> address(String uri) {
        if (uri == null) {
            return Optional.empty();
        }
        String u = uri.trim();
        if (u.startsWith("<") && u.endsWith(">")) {
            u = u.substring(1, u.length() - 1);
        }
        String lower = u.toLowerCase(Locale.ROOT);
        boolean secure;
        String rest;
        if (lower.startsWith("sips:")) {
            secure = true;
            rest = u.substring(5);
        } else if (lower.startsWith("sip:")) {
            secure = false;
            rest = u.substring(4);
        } else {
            return Optional.empty();
        }
        int headers = rest.indexOf('?');
        if (headers >= 0) {
            rest = rest.substring(0, headers);
        }
        // user info ends at the last '@' (a user part may carry ';' parameters, a host never has '@')
        int at = rest.lastIndexOf('@');
        String hostPart = at >= 0 ? rest.substring(at + 1) : rest;
        String params = "";
        int semi = hostPart.indexOf(';');
        if (semi >= 0) {
            params = hostPart.substring(semi).toLowerCase(Locale.ROOT);
            hostPart = hostPart.substring(0, semi);
        }
        if (params.contains(";transport=tls")) {
            secure = true;
        }
        String host;
        String portText = null;
        if (hostPart.startsWith("[")) {
            int close = hostPart.indexOf(']');
            if (close < 0) {
                return Optional.empty();
            }
            host = hostPart.substring(1, close);
            String after = hostPart.substring(close + 1);
            if (after.startsWith(":")) {
                portText = after.substring(1);
            } else if (!after.isEmpty()) {
                return Optional.empty();
            }
        } else {
            int colon = hostPart.indexOf(':');
            if (colon >= 0) {
                if (hostPart.indexOf(':', colon + 1) >= 0) {
                    return Optional.empty();
                }
                host = hostPart.substring(0, colon);
                portText = hostPart.substring(colon + 1);
            } else {
                host = hostPart;
            }
        }
        if (host.isEmpty() || host.length() > 255) {
            return Optional.empty();
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (Character.isISOControl(c) || Character.isWhitespace(c)) {
                return Optional.empty();
            }
        }
        int port = secure ? 5061 : 5060;
        if (portText != null) {
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
            if (port < 1 || port > 65535) {
                return Optional.empty();
            }
        }
        return Optional.of(new HostPort(host, port));
    }

    /**
     * Reads {@code host:port}, {@code [v6]:port} or a bare host with a separate port, as chan_sip's
     * PeerStatus {@code address} and {@code port} are written; empty when unusable.
     */
    public static Optional<HostPort> peerAddress(String address, String port) {
        if (address == null || address.isBlank()) {
            return Optional.empty();
        }
        String a = address.trim();
        boolean hasPort =
                a.startsWith("[") ? a.contains("]:") : a.indexOf(':') >= 0 && a.indexOf(':') == a.lastIndexOf(':');
        if (!hasPort && port != null && !port.isBlank()) {
            a = (a.indexOf(':') >= 0 && !a.startsWith("[") ? "[" + a + "]" : a) + ":" + port.trim();
        }
        return address("sip:" + a);
    }
}
