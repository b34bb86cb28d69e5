package dev.gitopsagent.deploy;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.jboss.logging.Logger;

import dev.gitopsagent.GitLockFiles;

/**
 * Nix's cache of git repositories ({@code gitv3} in Nix's cache directory), into which every build
 * fetches the commit it builds. A fetch killed while git held one of its lock files (the agent
 * killed with its unit, a build past {@code gitops.deploy.timeout}, a power cut) leaves the lock
 * behind, and git then refuses every later fetch into that repository ("Unable to create
 * '.../shallow.lock': File exists") until someone removes it by hand. So before it builds, the
 * agent removes the lock files of every cached repository no process is working in.
 *
 * <p>Git's lock files hold no process id. A repository is taken to be in use while a process has
 * its working directory inside it: Nix runs git as {@code git -C <repository>}, and git's helpers
 * (index-pack, the transport) inherit the directory. Processes whose working directory the agent
 * cannot read (another user's, without the agent being root) are not seen; in the unit, the cache
 * is the agent's own ({@code XDG_CACHE_HOME=/var/cache/gitops-agent}) and nothing else fetches
 * into it.
 */
public final class NixGitCache {

    private static final Logger LOG = Logger.getLogger(NixGitCache.class);

    private static final Path PROC = Path.of("/proc");

    private final List<Path> gitv3;

    private NixGitCache(List<Path> gitv3) {
        this.gitv3 = gitv3;
    }

    /** The cache the agent's Nix uses, read from the environment it passes on to Nix. */
    public static NixGitCache of(Map<String, String> environment) {
        return new NixGitCache(directories(environment));
    }

    /**
     * Where Nix keeps its git repositories: {@code $XDG_CACHE_HOME/nix/gitv3}, else
     * {@code $HOME/.cache/nix/gitv3}; Nix releases that read {@code NIX_CACHE_HOME} use
     * {@code $NIX_CACHE_HOME/gitv3} first, older ones ignore it, so with it set both are looked at.
     * Set but empty counts as set, as it does for Nix.
     */
    static List<Path> directories(Map<String, String> environment) {
        String home = Optional.ofNullable(environment.get("HOME")).orElse(System.getProperty("user.home"));
        String xdg = Optional.ofNullable(environment.get("XDG_CACHE_HOME")).orElse(home + "/.cache");
        Set<Path> directories = new LinkedHashSet<>();
        Optional.ofNullable(environment.get("NIX_CACHE_HOME")).ifPresent(nix -> directories.add(Path.of(nix + "/gitv3")));
        directories.add(Path.of(xdg + "/nix/gitv3"));
        return List.copyOf(directories);
    }

    /**
     * Removes the lock files of the cached repositories no process is working in, and returns them.
     * The process table is read only when there is a lock (nearly never). A lock newer than the moment
     * it was read may belong to a fetch that started since, so it is kept. Never fails a build: what
     * cannot be read or removed is logged.
     */
    public List<Path> clearStaleLocks() {
        Map<Path, List<Path>> locked = new LinkedHashMap<>();
        for (Path repository : repositories()) {
            List<Path> locks = locks(repository);
            if (!locks.isEmpty()) {
                locked.put(repository, locks);
            }
        }
        if (locked.isEmpty()) {
            return List.of();
        }
        FileTime seen = GitLockFiles.now();
        Optional<Set<Path>> busy = workingDirectories();
        if (busy.isEmpty()) {
            return List.of();
        }
        List<Path> removed = new ArrayList<>();
        locked.forEach((repository, locks) -> {
            if (busy.get().stream().anyMatch(directory -> directory.startsWith(repository))) {
                LOG.debugf("%s is in use by a running process; its locks are kept", repository);
                return;
            }
            for (Path lock : locks) {
                if (remove(lock, seen)) {
                    removed.add(lock);
                }
            }
        });
        return List.copyOf(removed);
    }

    private List<Path> repositories() {
        Set<Path> repositories = new LinkedHashSet<>();
        for (Path directory : gitv3) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
                for (Path entry : entries) {
                    if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                        // As /proc reports working directories: absolute, with no symbolic link.
                        repositories.add(entry.toRealPath());
                    }
                }
            } catch (NoSuchFileException e) {
                // Nix has not fetched anything there.
            } catch (IOException e) {
                LOG.warnf("cannot list %s to look for stale git locks: %s", directory, e.toString());
            }
        }
        return List.copyOf(repositories);
    }

    private static List<Path> locks(Path repository) {
        try {
            return GitLockFiles.in(repository);
        } catch (IOException e) {
            LOG.warnf("cannot look for stale git locks in %s: %s", repository, e.toString());
            return List.of();
        }
    }

    private static boolean remove(Path lock, FileTime seen) {
        try {
            Optional<FileTime> removed = GitLockFiles.removeUnlessNewer(lock, seen);
            removed.ifPresent(modified -> LOG.warnf("removed %s (modified %s): a lock left by a git fetch that no longer runs, which"
                    + " would fail every build fetching from this repository", lock, modified));
            return removed.isPresent();
        } catch (IOException e) {
            LOG.warnf("cannot remove the stale git lock %s: %s", lock, e.toString());
            return false;
        }
    }

    /**
     * The working directory of every process the agent may read; empty when the process table
     * cannot be read at all, and then no lock is known to be stale.
     */
    static Optional<Set<Path>> workingDirectories() {
        Set<Path> directories = new HashSet<>();
        DirectoryStream.Filter<Path> pids = entry -> entry.getFileName().toString().chars().allMatch(Character::isDigit);
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(PROC, pids)) {
            for (Path process : processes) {
                try {
                    directories.add(Files.readSymbolicLink(process.resolve("cwd")));
                } catch (IOException | SecurityException e) {
                    // Gone since the listing, or not ours to read.
                }
            }
        } catch (IOException e) {
            LOG.warnf("cannot read %s to see which git repositories are in use, so no git lock is removed: %s", PROC, e.toString());
            return Optional.empty();
        }
        return Optional.of(directories);
    }
}
