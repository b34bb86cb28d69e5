package dev.gitopsagent.git;

import java.net.URISyntaxException;

import org.eclipse.jgit.transport.URIish;

import dev.gitopsagent.config.InvalidConfigException;

/** One place the config repository can be fetched from. Remotes are tried in configuration order. */
public record Remote(String name, URIish uri) {

    public static Remote parse(String name, String url, String configKey) {
        try {
            return new Remote(name, new URIish(url));
        } catch (URISyntaxException e) {
            throw new InvalidConfigException(configKey, "is not a Git URL: " + e.getMessage());
        }
    }

    /** The URL without credentials, safe to log and to show in status. */
    @Override
    public String toString() {
        return uri.setPass(null).toString();
    }
}
