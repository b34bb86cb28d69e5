package dev.gitopsagent.verify;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.treewalk.TreeWalk;

import dev.gitopsagent.verify.Verdict.Reason;

/**
 * The signer policy stored in the repository: the directory {@value #DIRECTORY} of a commit, with
 * an SSH {@code allowed_signers} file and OpenPGP public keys as {@code openpgp/*.asc} (the layout
 * the config-repo template and its NixOS module already use for the host's keys). Parsed policies
 * are cached by the directory's tree id, so a long path with few policy changes parses each once.
 * Every file read is bounded: the repository comes from the network.
 */
final class RepositoryPolicy {

    static final String DIRECTORY = "trust";
    static final String ALLOWED_SIGNERS = "allowed_signers";
    static final String OPENPGP_DIRECTORY = "openpgp";
    private static final int MAX_FILE_BYTES = 1 << 20;
    private static final int MAX_FILES = 256;
    private static final int CACHE_SIZE = 64;

    private final Map<ObjectId, PolicyLookup> cache = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<ObjectId, PolicyLookup> eldest) {
            return size() > CACHE_SIZE;
        }
    };

    /** The policy {@code commit} carries, i.e. the one its children are judged by. */
    PolicyLookup at(ObjectReader reader, RevCommit commit) throws IOException {
        String where = "commit " + commit.name();
        ObjectId tree;
        try (TreeWalk walk = TreeWalk.forPath(reader, DIRECTORY, commit.getTree())) {
            if (walk == null || walk.getFileMode(0) != FileMode.TREE) {
                return new PolicyLookup.Broken(Reason.POLICY_MISSING, where + " has no " + DIRECTORY + "/ directory");
            }
            tree = walk.getObjectId(0);
        }
        PolicyLookup cached = cache.get(tree);
        if (cached == null) {
            cached = read(reader, tree);
            cache.put(tree, cached);
        }
        if (cached instanceof PolicyLookup.Broken broken) {
            return new PolicyLookup.Broken(broken.reason(), where + ": " + broken.detail());
        }
        SignerSet set = ((PolicyLookup.Found) cached).signers();
        String source = "the signer policy (" + DIRECTORY + "/) of commit " + commit.name();
        return new PolicyLookup.Found(new SignerSet(set.openPgp(), set.ssh(), source, source));
    }

    private static PolicyLookup read(ObjectReader reader, ObjectId tree) throws IOException {
        AllowedSigners ssh = AllowedSigners.empty();
        Map<String, byte[]> openPgp = new TreeMap<>();
        try (TreeWalk walk = new TreeWalk(reader)) {
            walk.addTree(tree);
            walk.setRecursive(true);
            int files = 0;
            while (walk.next()) {
                String path = walk.getPathString();
                boolean isAllowedSigners = path.equals(ALLOWED_SIGNERS);
                boolean isOpenPgp = path.startsWith(OPENPGP_DIRECTORY + "/") && path.endsWith(".asc");
                if (!isAllowedSigners && !isOpenPgp) {
                    continue;
                }
                if (++files > MAX_FILES) {
                    return new PolicyLookup.Broken(Reason.POLICY_MALFORMED, DIRECTORY + "/ holds more than " + MAX_FILES + " key files");
                }
                if (!walk.getFileMode(0).equals(FileMode.REGULAR_FILE) && !walk.getFileMode(0).equals(FileMode.EXECUTABLE_FILE)) {
                    return new PolicyLookup.Broken(Reason.POLICY_MALFORMED, DIRECTORY + "/" + path + " is not a regular file");
                }
                long size = reader.getObjectSize(walk.getObjectId(0), org.eclipse.jgit.lib.Constants.OBJ_BLOB);
                if (size > MAX_FILE_BYTES) {
                    return new PolicyLookup.Broken(Reason.POLICY_MALFORMED, DIRECTORY + "/" + path + " is larger than " + MAX_FILE_BYTES + " bytes");
                }
                byte[] content = reader.open(walk.getObjectId(0)).getBytes(MAX_FILE_BYTES);
                if (isAllowedSigners) {
                    try {
                        ssh = AllowedSigners.parse(new String(content, StandardCharsets.UTF_8));
                    } catch (AllowedSigners.MalformedLineException e) {
                        return new PolicyLookup.Broken(Reason.POLICY_MALFORMED, DIRECTORY + "/" + path + " " + e.getMessage());
                    }
                } else {
                    openPgp.put(DIRECTORY + "/" + path, content);
                }
            }
        }
        OpenPgpKeyring keyring;
        try {
            keyring = openPgp.isEmpty() ? OpenPgpKeyring.empty() : OpenPgpKeyring.parse(openPgp);
        } catch (OpenPgpKeyring.UnreadableKeyException e) {
            return new PolicyLookup.Broken(Reason.POLICY_MALFORMED, e.getMessage());
        }
        if (ssh.isEmpty() && keyring.isEmpty()) {
            return new PolicyLookup.Broken(Reason.POLICY_MISSING, DIRECTORY + "/ names no signer (no " + ALLOWED_SIGNERS
                    + " line, no " + OPENPGP_DIRECTORY + "/*.asc key)");
        }
        return new PolicyLookup.Found(new SignerSet(keyring, ssh, DIRECTORY + "/", DIRECTORY + "/"));
    }
}
