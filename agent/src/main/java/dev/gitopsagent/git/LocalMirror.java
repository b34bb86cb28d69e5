package dev.gitopsagent.git;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.jgit.errors.TransportException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.FetchConnection;
import org.eclipse.jgit.transport.FetchResult;
import org.eclipse.jgit.transport.HttpTransport;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.TagOpt;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.jboss.logging.Logger;

import dev.gitopsagent.FileTrees;

/**
 * The agent's own bare clone under the state directory. Builds read from it by branch and commit id
 * ({@code git+file://...?ref=refs/heads/<branch>&rev=<id>}), so nothing in a working tree can change
 * between verify and build. It is laid out like a plain bare clone, because that is what Nix's Git
 * fetcher expects: each branch under {@code refs/heads/} and {@code HEAD} naming the main branch.
 * (Nix 2.8 fetches the named ref from it with {@code git fetch}; with only {@code refs/remotes/*}
 * and a dangling {@code HEAD} it fails, and Nix 2.26 warns about the {@code HEAD}.)
 */
public final class LocalMirror implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LocalMirror.class);

    private final Path directory;
    private final String headBranch;
    private final RemoteAccess access;
    private final FetchBounds bounds;
    /** HTTP remotes that did not answer a direct ls-refs request; they get JGit's two-request probe. */
    private final Set<String> noDirectLsRefs = ConcurrentHashMap.newKeySet();
    /** Volatile: the status page reads commit subjects from HTTP threads while the reconcile thread may re-create the clone. */
    private volatile Repository repository;

    private LocalMirror(Path directory, String headBranch, RemoteAccess access, FetchBounds bounds, Repository repository) {
        this.directory = directory;
        this.headBranch = headBranch;
        this.access = access;
        this.bounds = bounds;
        this.repository = repository;
    }

    /**
     * Opens the clone, creating it when missing and re-creating it when it is corrupt. {@code HEAD}
     * names {@code headBranch} (the main branch), which exists from the first fetch on. Every fetch into
     * it is held to {@code bounds}. The host's git configuration is not read ({@link IsolatedGitConfig}).
     */
    public static LocalMirror open(Path directory, String headBranch, RemoteAccess access, FetchBounds bounds) throws IOException {
        IsolatedGitConfig.install();
        return new LocalMirror(directory, headBranch, access, bounds, openOrCreate(directory, headBranch, bounds));
    }

    public Repository repository() {
        return repository;
    }

    public Path directory() {
        return directory;
    }

    /**
     * Asks the remote for these branches only: protocol v2 with one ref-prefix each, so a poll that
     * finds nothing new costs one small round trip and transfers no objects. Branches the remote does
     * not have are absent from the answer.
     */
    public Map<String, ObjectId> remoteHeads(Remote remote, List<String> branches) throws IOException {
        List<String> refs = branches.stream().map(branch -> "refs/heads/" + branch).toList();
        try (Transport transport = Transport.open(repository, remote.uri())) {
            access.apply(remote, transport);
            if (transport instanceof HttpTransport && !noDirectLsRefs.contains(remote.uri().toString())) {
                Optional<Map<String, ObjectId>> heads = DirectLsRefs.query(remote.uri(), refs, transport.getCredentialsProvider(),
                        transport.getTimeout());
                if (heads.isPresent()) {
                    return byBranch(branches, heads.get());
                }
                // Not understood (no protocol v2, a redirect, an auth challenge...): JGit's probe handles all of those.
                LOG.debugf("%s did not answer a direct ls-refs request; probing through JGit from now on", remote);
                noDirectLsRefs.add(remote.uri().toString());
            }
            try (FetchConnection connection = transport.openFetch(refs.stream().map(RefSpec::new).toList())) {
                Map<String, ObjectId> advertised = new HashMap<>();
                for (String ref : refs) {
                    Ref head = connection.getRef(ref);
                    if (head != null) {
                        advertised.put(ref, head.getObjectId());
                    }
                }
                return byBranch(branches, advertised);
            }
        }
    }

    private static Map<String, ObjectId> byBranch(List<String> branches, Map<String, ObjectId> byRef) {
        Map<String, ObjectId> heads = new HashMap<>();
        for (String branch : branches) {
            ObjectId id = byRef.get("refs/heads/" + branch);
            if (id != null) {
                heads.put(branch, id);
            }
        }
        return heads;
    }

    /**
     * Fetches the branches into {@code refs/heads/<branch>} and returns where each points. Whichever
     * remote answered, the local branch is where that remote's branch is: nothing is built from it
     * before its commits are verified, and the build names the verified commit id.
     *
     * @throws FetchRefusedException when the remote sent more than the bounds allow, or shallow
     *         information: the branches and objects of the mirror are as before
     */
    public Map<String, ObjectId> fetch(Remote remote, Collection<String> branches) throws IOException {
        List<RefSpec> specs = branches.stream().map(branch -> new RefSpec("+refs/heads/" + branch + ":refs/heads/" + branch)).toList();
        try {
            return fetch(remote, branches, specs);
        } finally {
            keepFullHistory();
        }
    }

    private Map<String, ObjectId> fetch(Remote remote, Collection<String> branches, List<RefSpec> specs) throws IOException {
        boolean first = startsEmpty();
        try (Transport transport = Transport.open(repository, remote.uri())) {
            access.apply(remote, transport);
            transport.setTagOpt(TagOpt.NO_TAGS);
            transport.setRemoveDeletedRefs(false);
            if (first) {
                return FirstFetch.run(repository, transport, branches);
            }
            // The remote is not trusted: malformed objects (bad headers, odd tree entries) are refused before they land.
            transport.setCheckFetchedObjects(true);
            FetchResult result = transport.fetch(NullProgressMonitor.INSTANCE, specs);
            Map<String, ObjectId> fetched = new HashMap<>();
            for (String branch : branches) {
                Ref ref = result.getAdvertisedRef("refs/heads/" + branch);
                if (ref == null) {
                    throw new TransportException(remote.uri(), "branch " + branch + " does not exist on the remote");
                }
                fetched.put(branch, ref.getObjectId());
            }
            return fetched;
        }
    }

    /**
     * Whether this is the clone's first fetch: no branch yet. Objects without a branch are what an
     * interrupted or refused first fetch left; they are thrown away, because the first fetch's
     * completeness check ({@link FirstFetch}) counts on an empty clone.
     */
    private boolean startsEmpty() throws IOException {
        if (!repository.getRefDatabase().getRefsByPrefix(Constants.R_HEADS).isEmpty()) {
            return false;
        }
        try (var files = Files.walk(directory.resolve("objects"))) {
            if (files.anyMatch(file -> Files.isRegularFile(file) && !file.getParent().getFileName().toString().equals("info"))) {
                recreate();
            }
        }
        return true;
    }

    /**
     * Takes away the shallow file a server's unsolicited shallow information left behind, whether the
     * fetch failed after it or not ({@link BoundedRepository} refuses the pack that follows it). The
     * mirror has full history or it is not the mirror.
     */
    private void keepFullHistory() throws IOException {
        if (!repository.getObjectDatabase().getShallowCommits().isEmpty()) {
            LOG.warnf("the remote sent shallow information; removed it from %s", directory);
            repository.getObjectDatabase().setShallowCommits(Set.of());
            throw BoundedRepository.unsolicitedShallow();
        }
    }

    /**
     * Whether the commit and every object of its tree are present and readable. A build reads them
     * all, so a clone damaged under the agent (disk fault, interrupted write) must be caught here and
     * re-fetched, not reported as a failed build.
     */
    public boolean isComplete(ObjectId commit) {
        try (RevWalk walk = new RevWalk(repository); TreeWalk tree = new TreeWalk(repository)) {
            tree.addTree(walk.parseCommit(commit).getTree());
            tree.setRecursive(true);
            ObjectReader reader = tree.getObjectReader();
            while (tree.next()) {
                if (tree.getFileMode(0) != FileMode.GITLINK && !reader.has(tree.getObjectId(0))) {
                    return false;
                }
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** When the commit was committed, as the (signed) commit itself says. */
    public Optional<Instant> commitTime(ObjectId commit) {
        try (RevWalk walk = new RevWalk(repository)) {
            return Optional.of(walk.parseCommit(commit).getCommitterIdent().getWhenAsInstant());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * The first line of a commit's message, for people to recognise it; at most {@code maxLength}
     * characters, since it is whatever the committer wrote. Empty when the commit is not here.
     */
    public Optional<String> subject(String commitId, int maxLength) {
        if (!ObjectId.isId(commitId)) {
            return Optional.empty();
        }
        try (RevWalk walk = new RevWalk(repository)) {
            String subject = walk.parseCommit(ObjectId.fromString(commitId)).getShortMessage();
            return Optional.of(subject.length() > maxLength ? subject.substring(0, maxLength - 1) + "…" : subject);
        } catch (IOException | RuntimeException e) {
            // A clone being re-created right now, or a damaged object: the page shows the id without a subject.
            return Optional.empty();
        }
    }

    /** Whether the object is here and readable; a missing or broken object means the clone needs repair. */
    public boolean hasCommit(ObjectId id) {
        try {
            return repository.getObjectDatabase().has(id) && repository.parseCommit(id) != null;
        } catch (IOException e) {
            return false;
        }
    }

    /** Throws the clone away and starts a fresh one; the next fetch downloads everything again. */
    public void recreate() throws IOException {
        LOG.warnf("re-creating the local clone at %s", directory);
        repository.close();
        FileTrees.deleteRecursively(directory);
        repository = openOrCreate(directory, headBranch, bounds);
    }

    private static Repository openOrCreate(Path directory, String headBranch, FetchBounds bounds) throws IOException {
        if (Files.isDirectory(directory)) {
            try {
                Repository existing = BoundedRepository.open(new FileRepositoryBuilder().setGitDir(directory.toFile()).setMustExist(true), bounds);
                try (RevWalk walk = new RevWalk(existing)) {
                    if (!existing.getObjectDatabase().getShallowCommits().isEmpty()) {
                        throw new IOException("it is shallow: its history is cut");
                    }
                    for (Ref ref : existing.getRefDatabase().getRefs()) {
                        walk.parseCommit(ref.getObjectId());
                    }
                } catch (IOException | RuntimeException e) {
                    existing.close();
                    throw e;
                }
                pointHeadAt(existing, headBranch);
                return existing;
            } catch (IOException | RuntimeException e) {
                LOG.warnf("local clone at %s is unusable (%s); re-creating it", directory, e.getMessage());
                FileTrees.deleteRecursively(directory);
            }
        }
        Files.createDirectories(directory.getParent());
        Repository created = BoundedRepository.open(new FileRepositoryBuilder().setGitDir(directory.toFile()).setBare(), bounds);
        created.create(true);
        StoredConfig config = created.getConfig();
        config.setInt("protocol", null, "version", 2);
        config.setBoolean("gc", null, "autoDetach", false);
        config.save();
        pointHeadAt(created, headBranch);
        return created;
    }

    /** Links {@code HEAD} to the branch (clones of older versions, or a changed main branch, name another one). */
    private static void pointHeadAt(Repository repository, String branch) throws IOException {
        String target = Constants.R_HEADS + branch;
        Ref head = repository.exactRef(Constants.HEAD);
        if (head != null && head.isSymbolic() && head.getTarget().getName().equals(target)) {
            return;
        }
        RefUpdate.Result result = repository.updateRef(Constants.HEAD).link(target);
        if (result != RefUpdate.Result.NEW && result != RefUpdate.Result.FORCED && result != RefUpdate.Result.NO_CHANGE) {
            throw new IOException("cannot point HEAD of " + repository.getDirectory() + " at " + target + ": " + result);
        }
    }

    @Override
    public void close() {
        repository.close();
    }
}
