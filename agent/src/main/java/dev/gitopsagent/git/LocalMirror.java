package dev.gitopsagent.git;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.eclipse.jgit.errors.TransportException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.FetchConnection;
import org.eclipse.jgit.transport.FetchResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.TagOpt;
import org.eclipse.jgit.transport.Transport;
import org.jboss.logging.Logger;

/**
 * The agent's own bare clone under the state directory. Builds read from it by commit id
 * ({@code git+file://...?rev=}), so nothing in a working tree can change between verify and build.
 */
public final class LocalMirror implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LocalMirror.class);

    private final Path directory;
    private final RemoteAccess access;
    private Repository repository;

    private LocalMirror(Path directory, RemoteAccess access, Repository repository) {
        this.directory = directory;
        this.access = access;
        this.repository = repository;
    }

    /** Opens the clone, creating it when missing and re-creating it when it is corrupt. */
    public static LocalMirror open(Path directory, RemoteAccess access) throws IOException {
        return new LocalMirror(directory, access, openOrCreate(directory));
    }

    public Repository repository() {
        return repository;
    }

    public Path directory() {
        return directory;
    }

    /**
     * Asks the remote for one branch only: protocol v2 with a ref-prefix, so a poll that finds
     * nothing new costs one small round trip and transfers no objects.
     */
    public Optional<ObjectId> remoteHead(Remote remote, String branch) throws IOException {
        String ref = "refs/heads/" + branch;
        try (Transport transport = Transport.open(repository, remote.uri())) {
            access.apply(transport);
            try (FetchConnection connection = transport.openFetch(List.of(new RefSpec(ref)))) {
                Ref head = connection.getRef(ref);
                return Optional.ofNullable(head).map(Ref::getObjectId);
            }
        }
    }

    /** Fetches the branch into {@code refs/remotes/<remote>/<branch>} and returns where it points. */
    public ObjectId fetch(Remote remote, String branch) throws IOException {
        String tracking = trackingRef(remote, branch);
        RefSpec spec = new RefSpec("+refs/heads/" + branch + ":" + tracking);
        try (Transport transport = Transport.open(repository, remote.uri())) {
            access.apply(transport);
            transport.setTagOpt(TagOpt.NO_TAGS);
            transport.setRemoveDeletedRefs(false);
            FetchResult result = transport.fetch(org.eclipse.jgit.lib.NullProgressMonitor.INSTANCE, List.of(spec));
            Ref fetched = result.getAdvertisedRef("refs/heads/" + branch);
            if (fetched == null) {
                throw new TransportException(remote.uri(), "branch " + branch + " does not exist on the remote");
            }
            return fetched.getObjectId();
        }
    }

    private static String trackingRef(Remote remote, String branch) {
        return "refs/remotes/" + remote.name() + "/" + branch;
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
        deleteRecursively(directory);
        repository = openOrCreate(directory);
    }

    private static Repository openOrCreate(Path directory) throws IOException {
        if (Files.isDirectory(directory)) {
            try {
                Repository existing = new FileRepositoryBuilder().setGitDir(directory.toFile()).setMustExist(true).build();
                existing.getRefDatabase().getRefs();
                return existing;
            } catch (IOException | RuntimeException e) {
                LOG.warnf("local clone at %s is unusable (%s); re-creating it", directory, e.getMessage());
                deleteRecursively(directory);
            }
        }
        Files.createDirectories(directory.getParent());
        Repository created = new FileRepositoryBuilder().setGitDir(directory.toFile()).setBare().build();
        created.create(true);
        StoredConfig config = created.getConfig();
        config.setInt("protocol", null, "version", 2);
        config.setBoolean("gc", null, "autoDetach", false);
        config.save();
        return created;
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    @Override
    public void close() {
        repository.close();
    }
}
