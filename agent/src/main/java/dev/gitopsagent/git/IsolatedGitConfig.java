package dev.gitopsagent.git;

import java.io.File;

import org.eclipse.jgit.lib.Config;
import org.eclipse.jgit.storage.file.FileBasedConfig;
import org.eclipse.jgit.util.FS;
import org.eclipse.jgit.util.SystemReader;

/**
 * Keeps the host's git configuration out of the agent: JGit would otherwise layer {@code /etc/gitconfig}
 * (found by running {@code git config --system}) and root's {@code ~/.gitconfig} under every repository's
 * own config. Anything there ({@code url.*.insteadOf}, {@code http.sslVerify=false}, {@code http.proxy},
 * {@code http.extraHeader}) would change where the agent fetches from and where its credentials go,
 * without appearing in the agent's configuration. Only the agent's own settings and the clone's config
 * count. JGit's own file ({@code $XDG_CONFIG_HOME/jgit/config}, file-system timestamp facts) is kept.
 */
final class IsolatedGitConfig extends SystemReader.Delegate {

    private IsolatedGitConfig(SystemReader host) {
        super(host);
    }

    /** Installs it process-wide, once; JGit reads these files only through the SystemReader. */
    static synchronized void install() {
        SystemReader current = SystemReader.getInstance();
        if (!(current instanceof IsolatedGitConfig)) {
            SystemReader.setInstance(new IsolatedGitConfig(current));
        }
    }

    @Override
    public FileBasedConfig openSystemConfig(Config parent, FS fs) {
        return new Empty(parent, fs);
    }

    @Override
    public FileBasedConfig openUserConfig(Config parent, FS fs) {
        return new Empty(parent, fs);
    }

    /** A config with no file behind it: nothing to load, never outdated. */
    private static final class Empty extends FileBasedConfig {

        Empty(Config parent, FS fs) {
            super(parent, (File) null, fs);
        }

        @Override
        public void load() {
        }

        @Override
        public boolean isOutdated() {
            return false;
        }
    }
}
