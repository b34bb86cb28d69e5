package dev.gitopsagent.git;

import java.io.IOException;

import com.oracle.svm.core.annotate.Substitute;
import com.oracle.svm.core.annotate.TargetClass;

/**
 * Native image only (the JVM never loads this class): JGit registers its {@code amazon-s3://} transport
 * with every other, and that transport lists a bucket with the JDK's SAX parser, which alone pulls about
 * 3 MB of XML code into the executable. The agent accepts only https, http, ssh and file remotes
 * ({@code ConfigRules}), so the listing can never run; here it fails with a reason instead.
 */
@TargetClass(className = "org.eclipse.jgit.transport.AmazonS3$ListParser")
final class NoAmazonS3Listing {

    @Substitute
    void list() throws IOException {
        throw new IOException("amazon-s3:// remotes are not supported by gitops-agent");
    }
}
