package dev.weft.runtime.kafka;

import static dev.weft.runtime.kafka.KafkaClients.MODULE;
import static dev.weft.runtime.kafka.KafkaClients.SYSTEM;

import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.metrics.KafkaMetrics;
import dev.weft.runtime.metrics.OutcomeSeries;
import dev.weft.runtime.trace.MessagingSpan;
import dev.weft.runtime.trace.Tracing;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BooleanSupplier;

/**
 * The producer side of {@link KafkaClients}: each {@code send} is timed from the call to Kafka's
 * acknowledgement or error. The application's callback is replaced by a proxy of Kafka's {@code
 * Callback} interface that ends the send, then calls the application's callback (if any) once
 * with the same arguments; a send that throws ends there. The PRODUCER span's W3C headers go into
 * the record.
 */
final class KafkaSends {

  private final KafkaMetrics metrics; // null when metrics are off
  private final Tracing tracing;
  private final AgentErrors errors;
  private final BooleanSupplier off;

  /** One proxy class per Callback interface (per class loader), kept on the class itself. */
  private final ClassValue<Constructor<?>> callbackProxies =
      new ClassValue<Constructor<?>>() {
        @Override
        protected Constructor<?> computeValue(Class<?> callbackType) {
          try {
            @SuppressWarnings("deprecation") // the proxy class, made once; instances per send
            Class<?> proxyClass = Proxy.getProxyClass(callbackType.getClassLoader(), callbackType);
            return proxyClass.getConstructor(InvocationHandler.class);
          } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("no proxy for " + callbackType.getName(), e);
          }
        }
      };

  KafkaSends(KafkaMetrics metrics, Tracing tracing, AgentErrors errors, BooleanSupplier off) {
    this.metrics = metrics;
    this.tracing = tracing;
    this.errors = errors;
    this.off = off;
  }

  Object started(String topic) {
    try {
      if (off.getAsBoolean() || topic == null) {
        return null;
      }
      Send send = new Send(this);
      send.series = metrics == null ? null : metrics.producer(topic);
      send.span = tracing.startProducer(SYSTEM, topic);
      send.startNanos = System.nanoTime();
      return send;
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a send", t);
      return null;
    }
  }

  String[] headersToInject(Object send) {
    try {
      MessagingSpan span = send instanceof Send ? ((Send) send).span : null;
      return span == null ? null : span.headers();
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "writing trace headers", t);
      return null;
    }
  }

  Object callback(Object send, Object appCallback, Class<?> callbackType) {
    try {
      if (!(send instanceof Send) || callbackType == null || !callbackType.isInterface()) {
        return appCallback;
      }
      Send s = (Send) send;
      s.appCallback = appCallback;
      return callbackProxies.get(callbackType).newInstance(s);
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "wrapping a send callback", t);
      return appCallback;
    }
  }

  void failed(Object send, Throwable error) {
    try {
      if (send instanceof Send) {
        finish((Send) send, error);
      }
    } catch (Throwable t) {
      errors.internalFailure(MODULE, "recording a failed send", t);
    }
  }

  void finish(Send send, Throwable error) {
    if (!Send.ENDED.compareAndSet(send, 0, 1)) {
      return;
    }
    double seconds = (System.nanoTime() - send.startNanos) / 1e9;
    if (send.span != null) {
      send.span.end(error);
    }
    if (send.series != null) {
      send.series.record(seconds, error, send.span);
    }
  }

  /** One record between {@code send} and its acknowledgement; the callback proxy's handler. */
  static final class Send implements InvocationHandler {
    static final AtomicIntegerFieldUpdater<Send> ENDED =
        AtomicIntegerFieldUpdater.newUpdater(Send.class, "ended");

    final KafkaSends owner;
    OutcomeSeries series;
    MessagingSpan span;
    long startNanos;
    Object appCallback;
    volatile int ended;

    Send(KafkaSends owner) {
      this.owner = owner;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      String name = method.getName();
      if (name.equals("onCompletion") && args != null && args.length == 2) {
        try {
          owner.finish(this, args[1] instanceof Throwable ? (Throwable) args[1] : null);
        } catch (Throwable t) {
          owner.errors.internalFailure(MODULE, "recording an acknowledgement", t);
        }
        return callApp(method, args);
      }
      if (name.equals("equals") && args != null && args.length == 1) {
        return proxy == args[0];
      }
      if (name.equals("hashCode") && args == null) {
        return System.identityHashCode(proxy);
      }
      if (name.equals("toString") && args == null) {
        return appCallback == null ? "Weft send callback" : appCallback.toString();
      }
      return callApp(method, args);
    }

    private Object callApp(Method method, Object[] args) throws Throwable {
      Object app = appCallback;
      if (app == null) {
        return null;
      }
      try {
        return method.invoke(app, args);
      } catch (InvocationTargetException e) {
        throw e.getCause(); // the application's own exception, as Kafka would have seen it
      }
    }
  }
}
