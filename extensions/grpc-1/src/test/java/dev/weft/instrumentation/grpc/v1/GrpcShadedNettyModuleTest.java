package dev.weft.instrumentation.grpc.v1;

import io.grpc.ManagedChannelBuilder;
import io.grpc.ServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;

/** The module on grpc-netty-shaded (Netty relocated inside gRPC). */
class GrpcShadedNettyModuleTest extends GrpcCallsContract {

  @Override
  ServerBuilder<?> serverBuilder() {
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0));
  }

  @Override
  ManagedChannelBuilder<?> channelBuilder(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext();
  }
}
