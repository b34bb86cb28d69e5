package dev.gitopsagent.testing;

import java.util.List;

/** A key the real git CLI can sign commits with; the {@code -c} options select and configure it. */
public sealed interface GitSigningKey permits GpgKey, SshKey {

    /** {@code -c name=value} pairs for {@code git commit -S}/{@code git merge -S}, e.g. gpg.format and user.signingkey. */
    List<String> gitSigningConfig();
}
