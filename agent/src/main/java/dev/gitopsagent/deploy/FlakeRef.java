package dev.gitopsagent.deploy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.Repository;

/**
 * One exact system configuration: a commit on a branch of the local clone, and a host attribute.
 * The {@code rev} pins the content, so what is built is what was verified. The {@code ref} names
 * the branch the commit was fetched on because Nix's Git fetcher reads a bare {@code file://}
 * clone like a remote: it fetches that ref and then takes the commit from it (without a ref, Nix
 * 2.8 asks for {@code master}); the commit must therefore be on that branch or one of its
 * ancestors. A clone without the history below a shallow first sync's head needs {@code shallow=1}:
 * Nix refuses a shallow repository without it (and gives the flake no {@code revCount} with it).
 */
public record FlakeRef(Path repository, String branch, String commit, String host, boolean shallow) {

    public FlakeRef {
        if (!commit.matches("[0-9a-f]{40}")) {
            throw new IllegalArgumentException("not a full commit id: " + commit);
        }
        if (!Repository.isValidRefName(Constants.R_HEADS + branch)) {
            throw new IllegalArgumentException("not a branch name: " + branch);
        }
    }

    /** The flake itself, without the attribute: what {@code nix build <url>#<attribute>} takes. */
    public String url() {
        return "git+file://" + encode(repository.toAbsolutePath().toString()) + "?ref=" + encode(Constants.R_HEADS + branch) + "&rev=" + commit
                + (shallow ? "&shallow=1" : "");
    }

    /** What {@code nixos-rebuild --flake} takes. */
    @Override
    public String toString() {
        return url() + "#" + host;
    }

    /** Percent-encodes all but unreserved characters and '/', which Nix's URL parser decodes again. */
    private static String encode(String text) {
        StringBuilder encoded = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 0x80 && (Character.isLetterOrDigit(c) || "-._~/".indexOf(c) >= 0)) {
                encoded.append(c);
            } else {
                encoded.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return encoded.toString();
    }
}
