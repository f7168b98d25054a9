package io.tributary;

import java.util.ArrayList;
import java.util.List;

/**
 * What the launcher says once the node is up: where to publish, where to play and where to operate,
 * one log line each, with URLs a newcomer can paste (a wildcard bind address becomes localhost).
 */
record StartupSummary(String host, int httpPort, int rtmpPort, int srtPort, int edgePort, int routerPort, String demoKey,
                      String scheme, int rtmpsPort) {

    StartupSummary(String host, int httpPort, int rtmpPort, int srtPort, int edgePort, int routerPort, String demoKey) {
        this(host, httpPort, rtmpPort, srtPort, edgePort, routerPort, demoKey, "http", -1);
    }

    static StartupSummary of(Node node, String demoKey) {
        return new StartupSummary(node.config().http().host(), node.httpPort(), node.rtmpPort(), node.srtPort(),
                node.roles().edgePort(), node.roles().routerPort(), demoKey, node.tls().scheme(), node.rtmpsPort());
    }

    List<String> lines() {
        String h = host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]") ? "localhost"
                : host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        String http = scheme + "://" + h + ":" + httpPort;
        List<String> lines = new ArrayList<>();
        if (rtmpPort > 0 || srtPort > 0) {
            StringBuilder b = new StringBuilder("publish:");
            if (rtmpPort > 0) {
                b.append(" rtmp://").append(h).append(':').append(rtmpPort).append("/live/{key}?secret={secret}");
            }
            if (rtmpsPort > 0) {
                b.append(" or rtmps://").append(h).append(':').append(rtmpsPort).append("/live/{key}");
            }
            if (srtPort > 0) {
                b.append(rtmpPort > 0 ? " or" : "").append(" srt://").append(h).append(':').append(srtPort)
                        .append("?streamid=live/{key}.{secret}");
            }
            lines.add(b.append(" (e.g. ffmpeg -re -i in.mp4 -c copy -f flv rtmp://").append(h).append(':')
                    .append(rtmpPort > 0 ? rtmpPort : 1935).append("/live/mykey?secret=SECRET; an editor creates mykey and its secret with"
                    + " POST /api/v1/streams, README: Security)").toString());
            lines.add("play: " + http + "/play/{key} (player page), " + http + "/live/{key}/index.m3u8 (LL-HLS), "
                    + http + "/live/{key}/manifest.mpd (DASH)");
        }
        if (edgePort > 0) {
            lines.add("edge: " + scheme + "://" + h + ":" + edgePort + "/live/{key}/index.m3u8 (any stream of the cluster)");
        }
        if (routerPort > 0) {
            lines.add("router: " + scheme + "://" + h + ":" + routerPort + "/live/{key}/index.m3u8 (redirects to an edge)");
        }
        lines.add("operate: " + http + "/ops (dashboard), " + http + "/metrics (Prometheus), " + http + "/health, "
                + http + "/api/v1/streams");
        if (demoKey != null) {
            lines.add("demo: a test pattern publishes as '" + demoKey + "': watch it at " + http + "/play/" + demoKey);
        }
        return lines;
    }
}
