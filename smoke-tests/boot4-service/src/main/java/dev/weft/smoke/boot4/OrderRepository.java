package dev.weft.smoke.boot4;

import org.springframework.data.jpa.repository.JpaRepository;

/** Spring Data JPA's repository of orders. */
public interface OrderRepository extends JpaRepository<PurchaseOrder, Long> {}
