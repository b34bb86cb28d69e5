package dev.gitopsagent.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The agent's state directory, created and checked for writing once at startup. */
public record StateDirectory(Path path) {

    public static StateDirectory prepare(AgentConfig config) {
        Path dir = config.stateDir();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new InvalidConfigException("gitops.state-dir", "names " + dir + ", which cannot be created: " + e.getMessage());
        }
        if (!Files.isWritable(dir)) {
            throw new InvalidConfigException("gitops.state-dir", "names " + dir + ", which is not writable");
        }
        return new StateDirectory(dir);
    }

    public Path resolve(String name) {
        return path.resolve(name);
    }
}
