package dev.gitopsagent.hooks;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.gitopsagent.config.AgentConfig.NotificationFormat;

/**
 * The body of a notification, in the shape its receiver accepts: {@code json} (every field of the
 * event), {@code slack} (an incoming webhook's {@code text}) or {@code matrix} (an {@code m.room.message}
 * event's {@code msgtype} and {@code body}).
 */
final class Payload {

    private Payload() {
    }

    static Map<String, Object> of(NotificationFormat format, Event event) {
        return switch (format) {
            case JSON -> {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("event", event.kind().label());
                body.put("host", event.host());
                body.put("commit", event.commit());
                body.put("action", event.action());
                body.put("reason", event.reason());
                body.put("at", event.at().toString());
                body.put("summary", event.summary());
                yield body;
            }
            case SLACK -> Map.of("text", event.summary());
            case MATRIX -> Map.of("msgtype", "m.text", "body", event.summary());
        };
    }
}
