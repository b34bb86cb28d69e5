package dev.gitopsagent.deploy;

import java.nio.file.Path;

/**
 * One exact system configuration: a commit of the local clone and a host attribute. The
 * {@code rev} pins the content, so what is built is what was verified.
 */
public record FlakeRef(Path repository, String commit, String host) {

    public FlakeRef {
        if (!commit.matches("[0-9a-f]{40}")) {
            throw new IllegalArgumentException("not a full commit id: " + commit);
        }
    }

    @Override
    public String toString() {
        return "git+file://" + repository.toAbsolutePath() + "?rev=" + commit + "#" + host;
    }
}
