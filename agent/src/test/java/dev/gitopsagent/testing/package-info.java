/**
 * Real test infrastructure shared by all tests: Git servers on loopback ({@link dev.gitopsagent.testing.GitHttpServer}
 * runs the real git http-backend, {@link dev.gitopsagent.testing.GitSshServer} runs the real git behind Apache MINA
 * sshd), keys made by the real gpg and ssh-keygen in isolated homes ({@link dev.gitopsagent.testing.GpgKey},
 * {@link dev.gitopsagent.testing.SshKey}), commits made by the real git CLI ({@link dev.gitopsagent.testing.WorkRepo},
 * {@link dev.gitopsagent.testing.SampleFlake}) and the only stand-in, the nixos-rebuild test double
 * ({@link dev.gitopsagent.testing.NixosRebuildDouble}).
 *
 * <p>Nothing here reads the developer's ~/.gitconfig, ~/.gnupg or ~/.ssh; everything that starts a process, thread
 * or socket is {@link java.lang.AutoCloseable}.
 */
package dev.gitopsagent.testing;
