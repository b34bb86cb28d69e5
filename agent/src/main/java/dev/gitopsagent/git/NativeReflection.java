package dev.gitopsagent.git;

import org.eclipse.jgit.api.MergeCommand;
import org.eclipse.jgit.diff.DiffAlgorithm;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.lib.BranchConfig;
import org.eclipse.jgit.lib.CommitConfig;
import org.eclipse.jgit.lib.CoreConfig;
import org.eclipse.jgit.lib.GcConfig;
import org.eclipse.jgit.lib.GpgConfig;
import org.eclipse.jgit.lib.ObjectChecker;
import org.eclipse.jgit.submodule.SubmoduleWalk;
import org.eclipse.jgit.transport.HttpConfig;
import org.eclipse.jgit.transport.PushConfig;
import org.eclipse.jgit.transport.TransferConfig;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What JGit and Apache MINA SSHD look up reflectively, declared for the native image (the JVM needs none
 * of it). The quarkus-jgit extension registers the config enums of an older JGit; this list is every enum
 * that JGit 7.8 passes to {@code Config.getEnum}, which reads the values with {@code getEnumConstants()}.
 * MINA SSHD (SSH remotes) instantiates its NIO2 I/O factory by class name; what its security layer
 * looks up is in {@code verify.NativeSecurityReflection}. JGit's SSH messages ({@code SshdText}) are a
 * translation bundle whose public fields JGit fills by reflection from a resource bundle (declared in
 * {@code META-INF/native-image/.../resource-config.json}); quarkus-jgit does this only for {@code JGitText}.
 * {@link CollisionDetectingSha1} looks up JGit's tables of SHA-1 collision detection ({@code UbcCheck}).
 */
@RegisterForReflection(targets = {
        BranchConfig.BranchRebaseMode.class,
        CommitConfig.CleanupMode.class,
        CoreConfig.AutoCRLF.class,
        CoreConfig.CheckStat.class,
        CoreConfig.EOL.class,
        CoreConfig.EolStreamType.class,
        CoreConfig.HideDotFiles.class,
        CoreConfig.LogRefUpdates.class,
        CoreConfig.SymLinks.class,
        CoreConfig.TrustStat.class,
        DiffAlgorithm.SupportedAlgorithm.class,
        DirCache.DirCacheVersion.class,
        GcConfig.PackRefsMode.class,
        GpgConfig.GpgFormat.class,
        HttpConfig.HttpRedirectMode.class,
        MergeCommand.ConflictStyle.class,
        MergeCommand.FastForwardMode.class,
        MergeCommand.FastForwardMode.Merge.class,
        ObjectChecker.ErrorType.class,
        PushConfig.PushDefault.class,
        PushConfig.PushRecurseSubmodulesMode.class,
        SubmoduleWalk.IgnoreSubmoduleMode.class,
        TransferConfig.FsckMode.class,
}, classNames = {
        "org.apache.sshd.common.io.nio2.Nio2ServiceFactoryFactory",
        "org.eclipse.jgit.internal.transport.sshd.SshdText",
        "org.eclipse.jgit.util.sha1.UbcCheck",
        "org.eclipse.jgit.util.sha1.UbcCheck$DvInfo",
})
final class NativeReflection {

    private NativeReflection() {
    }
}
