package dev.gitopsagent.git;

import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.jgit.transport.URIish;

import dev.gitopsagent.config.AgentConfig;
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

    /** {@code origin} from {@code gitops.repository.url}, then {@code mirror1}, {@code mirror2}, ... in order. */
    public static List<Remote> configured(AgentConfig.Repository repository) {
        List<Remote> remotes = new ArrayList<>();
        String url = repository.url().orElseThrow(() -> new InvalidConfigException("gitops.repository.url",
                "is required: the fleet repository to deploy from"));
        remotes.add(parse("origin", url, "gitops.repository.url"));
        List<String> mirrors = repository.mirrors().orElse(List.of());
        for (int i = 0; i < mirrors.size(); i++) {
            remotes.add(parse("mirror" + (i + 1), mirrors.get(i), "gitops.repository.mirrors"));
        }
        return remotes;
    }

    /** ssh://, or scp-like user@host:path (which URIish parses without a scheme but with a host). */
    boolean isSsh() {
        String scheme = uri.getScheme();
        return scheme == null ? uri.getHost() != null : scheme.equals("ssh") || scheme.equals("git+ssh") || scheme.equals("ssh+git");
    }

    /** http:// or https://: a smart-HTTP remote, which the agent may ask in protocol v2 itself ({@link DirectLsRefs}, {@link DirectFetch}). */
    boolean isHttp() {
        return "http".equals(uri.getScheme()) || "https".equals(uri.getScheme());
    }

    /** The URL without credentials, safe to log and to show in status. */
    @Override
    public String toString() {
        return uri.setPass(null).toString();
    }
}
