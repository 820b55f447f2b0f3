package dev.weft.bench.macroservice;

import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/owners")
class OwnerController {

    private final OwnerService owners;

    OwnerController(OwnerService owners) {
        this.owners = owners;
    }

    @GetMapping("/{id}")
    ResponseEntity<OwnerDto> one(@PathVariable("id") long id) {
        return ResponseEntity.of(owners.find(id));
    }

    @GetMapping
    List<OwnerDto> byCity(@RequestParam("city") String city) {
        return owners.byCity(city);
    }

    @PostMapping
    ResponseEntity<OwnerDto> create(@RequestBody NewOwner request) {
        if (request.name() == null || request.name().isBlank() || request.city() == null || request.city().isBlank()) {
            return ResponseEntity.badRequest().build();
        }
        return ResponseEntity.status(HttpStatus.CREATED).body(owners.create(request));
    }
}
