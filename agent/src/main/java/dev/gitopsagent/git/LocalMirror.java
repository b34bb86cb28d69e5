package dev.gitopsagent.git;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

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
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.FetchConnection;
import org.eclipse.jgit.transport.FetchResult;
import org.eclipse.jgit.transport.HttpTransport;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.TagOpt;
import org.eclipse.jgit.transport.TrackingRefUpdate;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.jboss.logging.Logger;

import dev.gitopsagent.FileTrees;
import dev.gitopsagent.GitLockFiles;
import dev.gitopsagent.deploy.FlakeRef;

/**
 * The agent's own bare clone under the state directory. Builds read from it by branch and commit id
 * ({@code git+file://...?ref=refs/heads/<branch>&rev=<id>}), so nothing in a working tree can change
 * between verify and build. It is laid out like a plain bare clone, because that is what Nix's Git
 * fetcher expects: each branch under {@code refs/heads/} and {@code HEAD} naming the main branch.
 * (Nix 2.8 fetches the named ref from it with {@code git fetch}; with only {@code refs/remotes/*}
 * and a dangling {@code HEAD} it fails, and Nix 2.26 warns about the {@code HEAD}.)
 *
 * <p>A new host's first sync may fetch the head alone, without its history, when nothing older must
 * be verified (no baseline) and the host's Nix can build from a shallow clone: on a big repository that
 * is a small fraction of the objects. The clone then stays shallow, below that head only, while it
 * can: as long as everything fetched since descends from that head and the baseline is here. History
 * reaching below it (a merge of an older branch, a force-push, a baseline from before it) would change
 * which commits the verified path holds, so the clone is then fetched again with its whole history.
 */
public final class LocalMirror implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LocalMirror.class);

    private final Path directory;
    private final String headBranch;
    private final RemoteAccess access;
    private final FetchBounds bounds;
    /** Whether a first sync may fetch the head alone: asked only when one starts, since it may run {@code nix --version}. */
    private final BooleanSupplier shallowFirstSync;
    /** HTTP remotes that do not take a direct ls-refs request ({@link #remoteHeads}); they get JGit's two-request probe. */
    private final Set<String> noDirectLsRefs = ConcurrentHashMap.newKeySet();
    /** The protocol v2 capability advertisement of each HTTP remote, by URL, kept for direct fetches ({@link DirectFetch}). */
    private final Map<String, byte[]> advertisements = new ConcurrentHashMap<>();
    /** HTTP remotes that did not take a direct fetch; they get JGit's fetch, with its own capability and ref requests. */
    private final Set<String> noDirectFetch = ConcurrentHashMap.newKeySet();
    /** Volatile: the status page reads commit subjects from HTTP threads while the reconcile thread may re-create the clone. */
    private volatile BoundedRepository repository;
    /** Whether a fetch has added a pack since {@link #mergeSmallPacks} last looked; only the reconcile thread touches it. */
    private boolean packAdded;

    private LocalMirror(Path directory, String headBranch, RemoteAccess access, FetchBounds bounds, BooleanSupplier shallowFirstSync,
            BoundedRepository repository) {
        this.directory = directory;
        this.headBranch = headBranch;
        this.access = access;
        this.bounds = bounds;
        this.shallowFirstSync = shallowFirstSync;
        this.repository = repository;
    }

    /**
     * Opens the clone, creating it when missing and re-creating it when it is corrupt. {@code HEAD}
     * names {@code headBranch} (the main branch), which exists from the first fetch on. Every fetch into
     * it is held to {@code bounds}. The host's git configuration is not read ({@link IsolatedGitConfig}).
     * {@code shallowFirstSync} says whether a first sync may fetch the head alone (see the class comment).
     */
    public static LocalMirror open(Path directory, String headBranch, RemoteAccess access, FetchBounds bounds, BooleanSupplier shallowFirstSync)
            throws IOException {
        IsolatedGitConfig.install();
        return new LocalMirror(directory, headBranch, access, bounds, shallowFirstSync, openOrCreate(directory, headBranch, bounds));
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
        String url = remote.uri().toString();
        try (Transport transport = Transport.open(repository, remote.uri())) {
            access.apply(remote, transport);
            DirectLsRefs.Answer direct = null;
            if (transport instanceof HttpTransport && !noDirectLsRefs.contains(url)) {
                direct = askDirectly(remote, refs, transport);
                if (direct instanceof DirectLsRefs.Listed listed) {
                    return byBranch(branches, listed.heads());
                }
                if (direct instanceof DirectLsRefs.NotUnderstood) {
                    // No protocol v2, a redirect, an auth challenge...: JGit's probe handles all of those.
                    LOG.debugf("%s did not answer a direct ls-refs request; probing through JGit from now on", remote);
                    noDirectLsRefs.add(url);
                }
            }
            Map<String, ObjectId> heads = probeThroughJGit(transport, branches, refs);
            if (direct instanceof DirectLsRefs.Failed failed) {
                // Broken off twice where JGit's two requests got through: the remote's way with a direct request, not an outage.
                LOG.debugf("%s broke off a direct ls-refs request twice (%s) and answered JGit's probe; probing through JGit from now on",
                        remote, FailureText.of(failed.cause()));
                noDirectLsRefs.add(url);
            }
            return heads;
        }
    }

    /**
     * The direct request, asked once more, on a new connection, if its answer broke off: a connection kept from the
     * last poll may have been closed by the server just as it was used. A time limit reached is not asked again, and
     * fails the poll: an unreachable remote costs one time limit, not three.
     */
    private static DirectLsRefs.Answer askDirectly(Remote remote, List<String> refs, Transport transport) throws IOException {
        DirectLsRefs.Answer answer = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            answer = DirectLsRefs.query(remote.uri(), refs, transport.getCredentialsProvider(), transport.getTimeout());
            if (!(answer instanceof DirectLsRefs.Failed failed)) {
                return answer;
            }
            if (Causes.find(failed.cause(), InterruptedIOException.class).isPresent()) {
                throw new TransportException(remote.uri(), "no answer to ls-refs within " + transport.getTimeout() + " s", failed.cause());
            }
        }
        return answer;
    }

    /** JGit's own probe: the capability advertisement, then an ls-refs in protocol v2 (or the v0 advertisement). */
    private static Map<String, ObjectId> probeThroughJGit(Transport transport, List<String> branches, List<String> refs) throws IOException {
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
     * Fetches the branches a poll ({@link #remoteHeads}) found into {@code refs/heads/<branch>} and
     * returns where each points. Whichever remote answered, the local branch is where that remote's branch
     * is: nothing is built from it before its commits are verified, and the build names the verified
     * commit id. Once the clone has its first fetch, the ids fetched are exactly the polled {@code heads};
     * the first fetch takes the branches as the remote advertises them then. The history down to
     * {@code baseline}, the commit the verified path starts from, is fetched too (see the class comment).
     *
     * @throws FetchRefusedException when the remote sent more than the bounds allow, or shallow
     *         information the agent did not ask for: the branches and objects of the mirror are as before
     */
    public Map<String, ObjectId> fetch(Remote remote, Map<String, ObjectId> heads, Optional<ObjectId> baseline) throws IOException {
        Collection<String> branches = heads.keySet();
        if (startsEmpty()) {
            boolean headOnly = baseline.isEmpty() && branches.size() == 1 && shallowFirstSync.getAsBoolean();
            return fetch(remote, transport -> FirstFetch.run(repository, transport, branches, headOnly));
        }
        Set<ObjectId> before = branchHeads();
        Map<String, ObjectId> fetched = fetchMore(remote, heads);
        if (isShallow() && reachesBelowCut(fetched.values(), before, baseline)) {
            // A full first fetch again, not a deepening fetch: with JGit 7.8 that one failed ("peer did not supply a complete
            // object graph") once commits below the cut were partly here. Either brings the whole history.
            LOG.infof("history below the head of the shallow first sync is needed (a merge or force-push reaching below it, or an older"
                    + " baseline); re-cloning %s with its full history", directory);
            recreate();
            return fetch(remote, transport -> FirstFetch.run(repository, transport, branches, false));
        }
        packAdded = true;
        return fetched;
    }

    /**
     * Merges the clone's small pack files once more than {@link SmallPacks#MAX} have piled up beside the first
     * sync's, if a fetch has added one since the last call. Not part of the fetch: the merge reads and rewrites
     * the objects of the last updates (about 40 ms here for 16 of them), which would delay the build of every
     * seventeenth update; the reconcile loop calls this once a reconcile is recorded and reported.
     */
    public void mergeSmallPacks() {
        if (!packAdded) {
            return;
        }
        packAdded = false;
        try {
            SmallPacks.mergeIfMany(repository);
        } catch (IOException | RuntimeException e) {
            // Housekeeping never fails a reconcile: every pack is still there, and merging is tried again after the next fetch.
            LOG.warnf("could not merge the clone's small pack files: %s", FailureText.of(e));
        }
    }

    /**
     * A fetch into a clone that has its first one: over HTTP, of exactly the polled ids without asking
     * the remote again for its capabilities and refs ({@link DirectFetch}); through JGit's normal path
     * when the remote does not take that (from then on, once JGit's path got through), and for SSH and
     * {@code file://} remotes.
     */
    private Map<String, ObjectId> fetchMore(Remote remote, Map<String, ObjectId> heads) throws IOException {
        String url = remote.uri().toString();
        if (remote.isHttp() && !noDirectFetch.contains(url)) {
            Map<String, ObjectId> byRef = new HashMap<>();
            heads.forEach((branch, id) -> byRef.put(Constants.R_HEADS + branch, id));
            DirectFetch direct = new DirectFetch(repository, remote.uri(), byRef, advertisements);
            try {
                return fetch(remote, () -> direct, transport -> fetchInto(transport, heads.keySet()));
            } catch (IOException e) {
                if (!mayFetchAgain(direct, e)) {
                    throw e;
                }
                // Nothing of it was stored: JGit's fetch asks for capabilities and refs itself, and follows its own rules.
                LOG.debugf("%s did not take a direct fetch (%s); fetching through JGit", remote, FailureText.of(e));
                Map<String, ObjectId> fetched = fetch(remote, transport -> fetchInto(transport, heads.keySet()));
                // Its capabilities are read anew before the next direct fetch, in case a changed server is why it failed.
                advertisements.remove(url);
                // A server that answered with an error line takes direct fetches and refused only what this one asked
                // for (a polled commit pruned since, for one). Otherwise, only now is it the remote's way of answering,
                // not an outage: JGit's path got through where the direct one did not.
                if (!direct.answeredWithError()) {
                    noDirectFetch.add(url);
                }
                return fetched;
            }
        }
        return fetch(remote, transport -> fetchInto(transport, heads.keySet()));
    }

    /**
     * Whether a direct fetch failed before the remote sent a pack, for a reason other than a refusal or a
     * timeout: then the remote did not take it, and JGit's normal path may fetch instead. A timeout is
     * not retried, so that an unreachable remote costs one time limit as before.
     */
    private static boolean mayFetchAgain(DirectFetch direct, IOException e) {
        return !direct.packArrived() && FetchRefusedException.in(e).isEmpty() && Causes.find(e, InterruptedIOException.class).isEmpty();
    }

    /** How a build names {@code commit} of {@code branch} in this clone, for {@code host}: shallow or not, as the clone is now. */
    public FlakeRef flake(String branch, String commit, String host) {
        return new FlakeRef(directory, branch, commit, host, isShallow());
    }

    /** Whether the clone lacks the history below a shallow first sync's head; builds must then tell Nix. */
    private boolean isShallow() {
        try {
            return !repository.getObjectDatabase().getShallowCommits().isEmpty();
        } catch (IOException e) {
            // An unreadable shallow file: the next fetch finds the clone damaged and re-creates it.
            return true;
        }
    }

    private interface Fetcher {
        Map<String, ObjectId> fetch(Transport transport) throws IOException;
    }

    private interface Opener {
        Transport open() throws IOException;
    }

    /**
     * Runs one fetch, which must leave the history cut exactly where it is already, except that a
     * shallow first sync may cut it below the heads it asks for ({@link BoundedRepository}). JGit writes
     * the shallow file before the pack arrives, so after a failed or refused fetch it is put back as it was.
     */
    private Map<String, ObjectId> fetch(Remote remote, Fetcher fetcher) throws IOException {
        return fetch(remote, () -> Transport.open(repository, remote.uri()), fetcher);
    }

    private Map<String, ObjectId> fetch(Remote remote, Opener opener, Fetcher fetcher) throws IOException {
        Set<ObjectId> shallow = Set.copyOf(repository.getObjectDatabase().getShallowCommits());
        repository.keepShallow(shallow);
        Map<String, ObjectId> fetched;
        try (Transport transport = opener.open()) {
            access.apply(remote, transport);
            transport.setTagOpt(TagOpt.NO_TAGS);
            transport.setRemoveDeletedRefs(false);
            fetched = fetcher.fetch(transport);
        } catch (IOException | RuntimeException e) {
            restoreShallow(shallow);
            throw e;
        } catch (OutOfMemoryError e) {
            restoreShallow(shallow);
            if (!HeapCapacity.isHeapExhaustion(e)) {
                throw e;
            }
            // What ran out was this fetch's: what the remote sent takes heap in proportion to itself, in parsers that
            // hold nothing once the error has left them (their files are removed on the way out, as for any failure).
            throw repository.heapExhausted();
        }
        if (!repository.shallowIsAllowed()) {
            // Shallow information with no pack after it: nothing refused it on the way in.
            restoreShallow(shallow);
            throw BoundedRepository.unsolicitedShallow();
        }
        return fetched;
    }

    private void restoreShallow(Set<ObjectId> shallow) throws IOException {
        if (!repository.getObjectDatabase().getShallowCommits().equals(shallow)) {
            LOG.warnf("a fetch changed where the history of %s is cut, then failed or was refused; put it back", directory);
            repository.getObjectDatabase().setShallowCommits(shallow);
        }
    }

    private static Map<String, ObjectId> fetchInto(Transport transport, Collection<String> branches) throws IOException {
        List<RefSpec> specs = branches.stream().map(branch -> new RefSpec("+refs/heads/" + branch + ":refs/heads/" + branch)).toList();
        // The remote is not trusted: malformed objects (bad headers, odd tree entries) are refused before they land.
        transport.setCheckFetchedObjects(true);
        FetchResult result = transport.fetch(NullProgressMonitor.INSTANCE, specs);
        // JGit reports a branch it could not move (its lock file exists) here, and does not throw.
        for (TrackingRefUpdate update : result.getTrackingRefUpdates()) {
            switch (update.getResult()) {
                case NEW, FORCED, FAST_FORWARD, NO_CHANGE -> {
                }
                default -> throw new IOException("the clone's " + update.getLocalName() + " could not be moved to "
                        + update.getNewObjectId().name() + ": " + update.getResult());
            }
        }
        Map<String, ObjectId> fetched = new HashMap<>();
        for (String branch : branches) {
            Ref ref = result.getAdvertisedRef("refs/heads/" + branch);
            if (ref == null) {
                throw new TransportException(transport.getURI(), "branch " + branch + " does not exist on the remote");
            }
            fetched.put(branch, ref.getObjectId());
        }
        return fetched;
    }

    private Set<ObjectId> branchHeads() throws IOException {
        Set<ObjectId> heads = new HashSet<>();
        for (Ref ref : repository.getRefDatabase().getRefsByPrefix(Constants.R_HEADS)) {
            heads.add(ref.getObjectId());
        }
        return heads;
    }

    /**
     * Whether the clone, cut below a shallow first sync's head, would answer questions about history
     * differently from a full clone: when the baseline is not here, or when the new heads (or the
     * baseline) reach a commit without parents other than through the branches that were here before.
     * Those all led down to the cut head, so while no new commit reaches a root, everything here descends
     * from it, and the path from the baseline to any head is the same as in a full clone.
     */
    private boolean reachesBelowCut(Collection<ObjectId> heads, Set<ObjectId> before, Optional<ObjectId> baseline) throws IOException {
        if (baseline.isPresent() && !repository.getObjectDatabase().has(baseline.get())) {
            return true;
        }
        try (RevWalk walk = new RevWalk(repository)) {
            for (ObjectId head : heads) {
                walk.markStart(walk.parseCommit(head));
            }
            if (baseline.isPresent()) {
                walk.markStart(walk.parseCommit(baseline.get()));
            }
            for (ObjectId known : before) {
                walk.markUninteresting(walk.parseCommit(known));
            }
            Set<ObjectId> cut = repository.getObjectDatabase().getShallowCommits();
            for (RevCommit commit : walk) {
                if (commit.getParentCount() == 0 && !cut.contains(commit)) {
                    return true;
                }
            }
            return false;
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
        if (!repository.holdsNoObjects()) {
            recreate();
        }
        return true;
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

    /**
     * What a run stopped while writing to the clone (killed, or the power cut) leaves there. Only this
     * agent writes to the clone (the state directory is locked, {@code StateDirectory}), and it is not
     * writing yet, so all of it is stale:
     * <ul>
     * <li>a file's lock, which makes JGit leave that file as it is at every later update: a branch lock
     * keeps the branch from moving, so Nix, which builds from the branch, cannot find the new commit;
     * <li>a half-written pack or its index ({@code objects/pack/incoming_*}, JGit's and
     * {@link FirstPackParser}'s) or loose object ({@code objects/noz*.tmp}, JGit's), none of them part
     * of the store yet, which would keep the retried first sync off the agent's own parser
     * ({@link BoundedRepository#holdsNoObjects}) and on JGit's, which resolves on one thread and
     * looks every object up in the store (README, Benchmarks).
     * </ul>
     */
    private static void removeWhatAStoppedRunLeft(Path directory) throws IOException {
        FileTime now = GitLockFiles.now();
        List<Path> leftovers = new ArrayList<>(GitLockFiles.in(directory));
        Path objects = directory.resolve("objects");
        leftovers.addAll(matching(objects.resolve("pack"), "incoming_*"));
        leftovers.addAll(matching(objects, "noz*.tmp"));
        for (Path leftover : leftovers) {
            GitLockFiles.removeUnlessNewer(leftover, now).ifPresent(modified -> LOG.warnf(
                    "removed %s (modified %s): left in the clone by a run of the agent that stopped while writing it", leftover, modified));
        }
    }

    private static List<Path> matching(Path directory, String glob) throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, glob)) {
            entries.forEach(files::add);
        }
        return files;
    }

    /** Throws the clone away and starts a fresh one; the next fetch downloads everything again. */
    public void recreate() throws IOException {
        LOG.warnf("re-creating the local clone at %s", directory);
        repository.close();
        FileTrees.deleteRecursively(directory);
        repository = openOrCreate(directory, headBranch, bounds);
    }

    private static BoundedRepository openOrCreate(Path directory, String headBranch, FetchBounds bounds) throws IOException {
        if (Files.isDirectory(directory)) {
            try {
                removeWhatAStoppedRunLeft(directory);
                BoundedRepository existing = BoundedRepository.open(new FileRepositoryBuilder().setGitDir(directory.toFile()).setMustExist(true), bounds);
                try (RevWalk walk = new RevWalk(existing)) {
                    for (Ref ref : existing.getRefDatabase().getRefs()) {
                        walk.parseCommit(ref.getObjectId());
                    }
                } catch (IOException | RuntimeException e) {
                    existing.close();
                    throw e;
                }
                pointHeadAt(existing, headBranch);
                if (noAutomaticGc(existing.getConfig())) {
                    existing.getConfig().save();
                }
                return existing;
            } catch (IOException | RuntimeException e) {
                LOG.warnf("local clone at %s is unusable (%s); re-creating it", directory, e.getMessage());
                FileTrees.deleteRecursively(directory);
            }
        }
        Files.createDirectories(directory.getParent());
        BoundedRepository created = BoundedRepository.open(new FileRepositoryBuilder().setGitDir(directory.toFile()).setBare(), bounds);
        created.create(true);
        StoredConfig config = created.getConfig();
        config.setInt("protocol", null, "version", 2);
        config.setBoolean("gc", null, "autoDetach", false);
        noAutomaticGc(config);
        config.save();
        pointHeadAt(created, headBranch);
        return created;
    }

    /**
     * JGit's gc after a fetch rewrites the whole repository ({@link SmallPacks} says why that is too
     * much); clones made before this setting get it when opened. Returns whether the setting changed.
     */
    private static boolean noAutomaticGc(StoredConfig config) {
        if (!config.getBoolean("fetch", null, "autogc", true)) {
            return false;
        }
        config.setBoolean("fetch", null, "autogc", false);
        return true;
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
