package dev.weft.instrumentation.grpc.v1;

import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannelBuilder;
import io.grpc.ServerBuilder;
import io.grpc.okhttp.OkHttpChannelBuilder;
import io.grpc.okhttp.OkHttpServerBuilder;

/** The module on grpc-okhttp, server and channel. */
class GrpcOkHttpModuleTest extends GrpcCallsContract {

  @Override
  ServerBuilder<?> serverBuilder() {
    return OkHttpServerBuilder.forPort(0, InsecureServerCredentials.create());
  }

  @Override
  ManagedChannelBuilder<?> channelBuilder(int port) {
    return OkHttpChannelBuilder.forAddress("127.0.0.1", port).usePlaintext();
  }
}
