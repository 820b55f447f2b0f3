package dev.weft.runtime.metrics;

import dev.weft.runtime.core.config.MetricsServerSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Arrays;
import java.util.Locale;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The TLS side of Weft's server: an {@link SSLContext} holding the key of
 * {@code weft.metrics.tls.keystore}, with the JDK's default protocols (TLSv1.3 and TLSv1.2) and
 * cipher suites. The key's password is the keystore's, as PKCS12 keystores have it.
 */
final class KeystoreTls {

  private KeystoreTls() {}

  static SSLContext context(MetricsServerSettings settings)
      throws IOException, GeneralSecurityException {
    char[] password = settings.keystorePassword();
    try {
      KeyStore keys = KeyStore.getInstance(settings.keystoreType().toUpperCase(Locale.ROOT));
      try (InputStream in = Files.newInputStream(Paths.get(settings.keystore()))) {
        keys.load(in, password);
      }
      if (!hasKey(keys)) {
        throw new GeneralSecurityException("it holds no private key");
      }
      KeyManagerFactory managers =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      managers.init(keys, password);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(managers.getKeyManagers(), null, null);
      return context;
    } finally {
      Arrays.fill(password, '\0');
    }
  }

  private static boolean hasKey(KeyStore keys) throws GeneralSecurityException {
    for (String alias : java.util.Collections.list(keys.aliases())) {
      if (keys.isKeyEntry(alias)) {
        return true;
      }
    }
    return false;
  }
}
