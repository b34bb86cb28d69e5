package dev.gitopsagent.config;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** The host name becomes a flake attribute, so only names that need no quoting are accepted. */
public final class HostName {
    static final Pattern PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,62}");
    static final String RULE = "must be a host name of letters, digits, '-' and '_' (at most 63), as in nixosConfigurations.<host>";

    private HostName() {
    }

    /** The configured name (checked by {@link ConfigRules}), else this machine's, checked against the same rule. */
    public static String resolve(AgentConfig config) {
        if (config.host().isPresent()) {
            return config.host().get();
        }
        String name = ofThisMachine();
        if (!PATTERN.matcher(name).matches()) {
            throw new InvalidConfigException("gitops.host", "is not set and this machine's name '" + name + "' " + RULE);
        }
        return name;
    }

    private static String ofThisMachine() {
        try {
            Path etcHostname = Path.of("/etc/hostname");
            if (Files.isReadable(etcHostname)) {
                String name = Files.readString(etcHostname).strip();
                if (!name.isEmpty()) {
                    return shortName(name);
                }
            }
            return shortName(InetAddress.getLocalHost().getHostName());
        } catch (IOException e) {
            throw new InvalidConfigException("gitops.host", "is not set and this machine's host name cannot be read: " + e.getMessage());
        }
    }

    private static String shortName(String name) {
        int dot = name.indexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
