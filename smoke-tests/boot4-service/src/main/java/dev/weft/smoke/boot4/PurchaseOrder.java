package dev.weft.smoke.boot4;

import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** An order row: what was ordered, how many, and whether the listener has processed it. */
@Entity
@Table(name = "boot4_orders")
public class PurchaseOrder {

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  private Long id;

  private String item;

  private int quantity;

  private String status;

  protected PurchaseOrder() {}

  PurchaseOrder(String item, int quantity) {
    this.item = item;
    this.quantity = quantity;
    this.status = "NEW";
  }

  Long getId() {
    return id;
  }

  String getItem() {
    return item;
  }

  void markProcessed() {
    this.status = "PROCESSED";
  }

  /** The text the cache holds and {@code GET /orders/{id}} answers. */
  String describe() {
    return "order " + id + " item=" + item + " quantity=" + quantity + " status=" + status;
  }
}
