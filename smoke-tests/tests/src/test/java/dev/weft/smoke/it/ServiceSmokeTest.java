package dev.weft.smoke.it;

import org.junit.jupiter.api.AfterEach;

/** A smoke test that runs one service JVM at a time and always stops it, pass or fail. */
abstract class ServiceSmokeTest {

  protected ServiceProcess service;

  @AfterEach
  void stopService() {
    if (service != null) {
      service.close();
    }
  }
}
