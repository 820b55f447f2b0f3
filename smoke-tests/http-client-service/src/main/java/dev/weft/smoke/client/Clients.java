package dev.weft.smoke.client;

import dev.weft.smoke.client.HttpClientService.Client;

/** The client libraries by name; each lives in its own class, loaded only when asked for. */
final class Clients {

  private Clients() {}

  static Client create(String name) {
    switch (name) {
      case "jdk-sync":
        return new JdkClient(false);
      case "jdk-async":
        return new JdkClient(true);
      case "urlconnection":
        return new UrlConnectionClient();
      case "apache4":
        return new Apache4Client();
      case "apache5":
        return new Apache5Client();
      case "okhttp-sync":
        return new OkHttpClientCalls(false);
      case "okhttp-async":
        return new OkHttpClientCalls(true);
      default:
        throw new IllegalArgumentException("unknown client " + name);
    }
  }
}
