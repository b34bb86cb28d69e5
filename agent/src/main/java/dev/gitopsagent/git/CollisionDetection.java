package dev.gitopsagent.git;

import java.io.IOException;
import java.util.HexFormat;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import org.eclipse.jgit.errors.ConfigInvalidException;
import org.eclipse.jgit.storage.file.FileBasedConfig;
import org.eclipse.jgit.util.SystemReader;
import org.eclipse.jgit.util.sha1.SHA1;
import org.eclipse.jgit.util.sha1.Sha1CollisionException;

import dev.gitopsagent.config.InvalidConfigException;

/**
 * SHA-1 collision detection, confirmed before the agent trusts any object id. A signature covers a commit,
 * and the commit names its tree and parents by SHA-1: two objects made to share an id would let a signed
 * commit stand for content nobody signed. JGit's SHA-1 detects the known way to make them (the
 * near-collision blocks of SHAttered and its successors) and the agent refuses such objects. Three settings
 * outside the agent's configuration switch that off for the whole process, silently: the system properties
 * {@value #IMPLEMENTATION} and {@value #DETECT}, and {@code core.sha1Implementation} in JGit's own
 * configuration file ({@code $XDG_CONFIG_HOME/jgit/config}). Rather than trust that none is set, the
 * agent hashes a real collision at startup and will not run unless it is detected, by JGit's SHA-1, which
 * every fetch but a first sync hashes with, and by {@link CollisionDetectingSha1}, which a first sync does.
 */
public final class CollisionDetection {

    static final String IMPLEMENTATION = "org.eclipse.jgit.util.sha1.implementation";
    static final String DETECT = "org.eclipse.jgit.util.sha1.detectCollision";
    private static final String WHY = "SHA-1 collision detection is off, and the agent does not trust object ids without it";

    /**
     * The first 320 bytes of SHAttered's {@code shattered-1.pdf} (Stevens, Bursztein, Karpman, Albertini,
     * Markov, 2017): an identical prefix, then two near-collision blocks. Its SHA-1, f92d74e3..., is that of
     * {@code shattered-2.pdf}'s first 320 bytes too.
     */
    static final byte[] SHATTERED = HexFormat.of().parseHex(
            "255044462d312e330a25e2e3cfd30a0a0a312030206f626a0a3c3c2f57696474682032203020522f4865696768742033"
            + "203020522f547970652034203020522f537562747970652035203020522f46696c7465722036203020522f436f6c6f72"
            + "53706163652037203020522f4c656e6774682038203020522f42697473506572436f6d706f6e656e7420383e3e0a7374"
            + "7265616d0affd8fffe00245348412d3120697320646561642121212121852fec092339759c39b1a1c63c4c97e1fffe01"
            + "7f46dc93a6b67e013b029aaa1db2560b45ca67d688c7f84b8c4c791fe02b3df614f86db1690901c56b45c1530afedfb7"
            + "6038e972722fe7ad728f0e4904e046c230570fe9d41398abe12ef5bc942be33542a4802d98b5d70f2a332ec37fac3514"
            + "e74ddc0f2cc1a874cd0c78305a21566461309789606bd0bf3f98cda8044629a1");

    private CollisionDetection() {
    }

    /** Stops startup, naming the setting, unless the SHA-1 of every fetch and that of a first sync detect a collision. */
    public static void require() {
        // JGit reads its configuration for the SHA-1 choice once; read it as the agent will, without the host's git files.
        IsolatedGitConfig.install();
        require(SHA1::newInstance, System::getProperty, CollisionDetection::jgitConfigFile);
        CollisionDetectingSha1 firstSync = new CollisionDetectingSha1();
        firstSync.update(SHATTERED);
        try {
            firstSync.digest();
        } catch (Sha1CollisionException detected) {
            return;
        }
        // No setting switches this hasher's detection off: only a JGit whose tables it misreads could.
        throw new IllegalStateException("the first sync's SHA-1 does not detect SHAttered's collision with the tables of this JGit");
    }

    static void require(Supplier<SHA1> hashers, UnaryOperator<String> properties, Supplier<String> jgitConfigFile) {
        SHA1 sha = hashers.get();
        sha.update(SHATTERED);
        try {
            sha.digest();
        } catch (Sha1CollisionException detected) {
            return;
        }
        String implementation = properties.apply(IMPLEMENTATION);
        if (implementation != null && !implementation.equalsIgnoreCase("java")) {
            throw new InvalidConfigException(IMPLEMENTATION, "is " + implementation + ": " + WHY + "; remove the -D" + IMPLEMENTATION
                    + " (from the command line or JAVA_TOOL_OPTIONS)");
        }
        if ("false".equalsIgnoreCase(properties.apply(DETECT))) {
            throw new InvalidConfigException(DETECT, "is false: " + WHY + "; remove the -D" + DETECT
                    + " (from the command line or JAVA_TOOL_OPTIONS)");
        }
        throw new InvalidConfigException("core.sha1Implementation", "in JGit's configuration file " + jgitConfigFile.get() + " says "
                + "another SHA-1 than JGit's own: " + WHY + "; remove it from the [core] section");
    }

    private static String jgitConfigFile() {
        try {
            return SystemReader.getInstance().getJGitConfig() instanceof FileBasedConfig file && file.getFile() != null
                    ? file.getFile().toString()
                    : "($XDG_CONFIG_HOME/jgit/config)";
        } catch (ConfigInvalidException | IOException e) {
            return "($XDG_CONFIG_HOME/jgit/config)";
        }
    }
}
