// Field work without signal. The field pack (the chosen communes' organisations, sites and batches, written
// out by the server in the inspector's language), the inspections recorded here and their photos are kept in
// IndexedDB (idb-keyval, vendored), so they survive closing the browser and restarting the phone. Each record
// and each photo carries a key made here (a UUID): the server keeps one of each, however often a weak signal
// makes us send again, and a record leaves the phone only once the server has confirmed it.
(function () {
  "use strict";
  var app = document.getElementById("field-app");
  if (!app || !window.idbKeyval) return;
  var db = window.idbKeyval;
  var T = JSON.parse(app.dataset.strings);
  var MAX_SIDE = 1600;
  var SMALL_ENOUGH = 600 * 1024;
  var $ = function (id) { return document.getElementById(id); };
  var sending = false;
  var current = null; // the batch whose record is open

  $("needs-script").hidden = true;

  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, name) { return values[name] !== undefined ? values[name] : ""; });
  }

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function say(node, text, cls) {
    node.textContent = text || "";
    node.hidden = !text;
    if (cls !== undefined) node.className = "flash " + cls;
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // ---- the service worker: the page opens without signal

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(app.dataset.sw, { scope: app.dataset.scope }).catch(function () {});
  }

  // ---- the field pack

  function showPack(pack) {
    var status = $("pack-status");
    if (!pack) { status.textContent = T.no_pack; return; }
    status.textContent = fill(T.pack_ready, { n: pack.batches.length, when: pack.prepared_at_text }) +
      (pack.communes.length ? " (" + pack.communes.join(", ") + ")" : "");
    var codes = pack.commune_codes || [];
    var boxes = document.querySelectorAll("#pack-form input[name=commune]");
    Array.prototype.forEach.call(boxes, function (box) { box.checked = codes.indexOf(box.value) >= 0; });
    filterCommunes();
  }

  // ---- finding a commune in the long list: typed without accents, case or "xã"/"phường", folded as the
  // server's search folds (traceability/search.py, reference/lists.py commune_key); a chosen commune always shows

  var MARKS = /[\u0300\u0301\u0302\u0303\u0306\u0309\u031b\u0323]/g; // the marks Vietnamese uses
  var KIND = /^(xa|phuong|thi tran|dac khu)\s+/;
  var filterBox = $("f-commune-filter");
  var communeGroups = document.querySelectorAll("#pack-form details.commune-group");
  var communeItems = Array.prototype.map.call(document.querySelectorAll("#pack-form label.check"), function (label) {
    return { label: label, box: label.querySelector("input[name=commune]"), key: communeKey(label.textContent) };
  });

  function fold(text) {
    return text.normalize("NFD").replace(MARKS, "").replace(/[đĐ]/g, "d").toLowerCase();
  }

  function communeKey(text) {
    return fold(text).split(/\s+/).filter(Boolean).join(" ").replace(KIND, "");
  }

  function filterCommunes() {
    var words = communeKey(filterBox.value).split(" ").filter(Boolean);
    var matching = 0, chosenOthers = 0;
    communeItems.forEach(function (item) {
      var match = words.every(function (w) { return item.key.indexOf(w) >= 0; });
      if (match) matching++; else if (item.box.checked) chosenOthers++;
      item.label.hidden = !match && !item.box.checked;
    });
    Array.prototype.forEach.call(communeGroups, function (group) {
      var shown = group.querySelector("label.check:not([hidden])");
      group.hidden = !shown;
      if (shown && words.length) group.open = true; // a match inside a closed group would stay out of sight
    });
    var line = "";
    if (words.length) {
      line = matching ? fill(T.communes_matching, { n: matching, total: communeItems.length }) : T.no_commune_matches;
      if (chosenOthers) line += " " + fill(T.chosen_shown, { n: chosenOthers });
    }
    $("commune-count").textContent = line;
  }

  if (communeItems.length) {
    $("commune-filter").hidden = false;
    // a box that is unticked stays until the next keystroke: the list does not move under the finger
    filterBox.addEventListener("input", filterCommunes);
    filterBox.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); filterBox.blur(); } // not the pack form's submit
    });
  }

  $("pack-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var chosen = Array.prototype.map.call(
      document.querySelectorAll("#pack-form input[name=commune]:checked"), function (b) { return b.value; });
    if (!chosen.length) { $("pack-status").textContent = T.choose_commune; return; }
    $("pack-status").textContent = T.preparing;
    var query = chosen.map(function (c) { return "commune=" + encodeURIComponent(c); }).join("&");
    fetch(app.dataset.packUrl + "?" + query, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (response.redirected) throw new Error(T.sign_in);
        return response.json().then(function (body) {
          if (!response.ok) throw new Error(body.message || JSON.stringify(body.errors || body));
          return body;
        });
      })
      .then(function (pack) { return db.set("pack", pack).then(function () { showPack(pack); }); })
      .catch(function (error) { $("pack-status").textContent = fill(T.pack_failed, { problem: error.message }); });
  });

  // ---- finding a batch in the pack

  function canonical(text) {
    return text.toUpperCase().replace(/[\s-]/g, "").replace(/[IL]/g, "1").replace(/O/g, "0");
  }

  function wanted(text) {
    // a registry link (…/c/CODE, or a GS1 Digital Link …/01/GTIN/10/LOT[/21/SERIAL]) or what was typed
    text = text.trim();
    var m = text.match(/\/c\/([^/?#]+)/);
    if (m) return { code: canonical(decodeURIComponent(m[1])) };
    m = text.match(/\/01\/\d+(?:\/10\/([^/?#]+))?(?:\/21\/([^/?#]+))?/);
    if (m) return { code: m[2] ? canonical(decodeURIComponent(m[2])) : null, lot: m[1] ? decodeURIComponent(m[1]) : null };
    return { code: canonical(text), lot: text };
  }

  function findIn(pack, text) {
    var w = wanted(text);
    var lot = w.lot ? w.lot.toUpperCase() : null;
    for (var i = 0; i < pack.batches.length; i++) {
      var b = pack.batches[i];
      if (w.code && (b.lot_code_value === w.code || (b.unit_codes && b.unit_codes.indexOf(w.code) >= 0))) return b;
    }
    for (i = 0; i < pack.batches.length; i++) {
      if (lot && pack.batches[i].lot_code.toUpperCase() === lot) return pack.batches[i];
    }
    return null;
  }

  $("find-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("f-q").value;
    var message = $("find-message");
    if (!text.trim()) { say(message, T.type_code, "error"); return; }
    db.get("pack").then(function (pack) {
      if (!pack) { say(message, T.no_pack, "error"); return; }
      var batch = findIn(pack, text);
      if (!batch) { say(message, T.unknown_offline, "warning"); hideRecord(); return; }
      say(message, "");
      showRecord(pack, batch);
    });
  });

  function hideRecord() {
    current = null;
    $("field-record").hidden = true;
    $("field-inspect").hidden = true;
  }

  function facts(list, pairs) {
    pairs.forEach(function (p) {
      if (!p[1]) return;
      list.appendChild(el("dt", p[0]));
      list.appendChild(el("dd", p[1]));
    });
  }

  function section(parent, title, items, line) {
    parent.appendChild(el("h3", title));
    if (!items.length) { parent.appendChild(el("p", T.none, "muted")); return; }
    var ul = el("ul");
    items.forEach(function (item) { ul.appendChild(el("li", line(item))); });
    parent.appendChild(ul);
  }

  function showRecord(pack, b) {
    current = b;
    var org = pack.organizations.filter(function (o) { return o.id === b.organization_id; })[0] || {};
    var site = pack.sites.filter(function (s) { return s.id === b.site_id; })[0];
    var box = $("field-record");
    box.textContent = "";
    var h = el("h2", b.product + " · " + b.lot_code + " ");
    h.appendChild(el("span", b.status_text, "badge " + b.status));
    h.id = "record-title";
    box.appendChild(h);
    if (b.status_reason && b.status !== "published") {
      box.appendChild(el("p", T.reason + ": " + b.status_reason + " (" + b.status_changed_at + ")", "flash warning"));
    }
    if (b.upstream && b.upstream.length) {
      var up = el("section", null, "upstream");
      up.appendChild(el("h3", T.upstream));
      b.upstream.forEach(function (u) {
        up.appendChild(el("p", u.text, "flash " + (u.kind === "recall" ? "error" : "warning")));
      });
      box.appendChild(up);
    }
    var dl = el("dl", null, "facts");
    facts(dl, [
      [T.producer, [org.name, org.status_text, org.tax_code, org.address, org.commune, org.phone, org.email]
        .filter(Boolean).join(" · ")],
      [T.origin, site ? [site.name, site.commune, site.area_code].filter(Boolean).join(" · ") : "—"],
      [T.category, b.category_text], [T.quantity, b.quantity_text], [T.harvested, b.harvested_on],
      [T.produced, b.produced_on], [T.expires, b.expires_on], [T.published, b.published_at],
      [T.lot_code, b.lot_code_value],
      [T.unit_codes, b.unit_codes ? String(b.unit_codes.length) : fill(T.unit_codes_not_kept, { n: b.unit_code_count })]
    ]);
    box.appendChild(dl);
    if (b.reports && b.reports.length) {
      section(box, T.open_reports, b.reports, function (r) {
        return [r.when, r.receipt, r.kind_text, r.status_text, r.message].filter(Boolean).join(" · ");
      });
      box.lastElementChild.className = "open-reports";
    }
    section(box, T.inspections, b.inspections, function (i) {
      return [i.when, i.inspector, i.result_text, i.action_text, i.findings].filter(Boolean).join(" · ");
    });
    section(box, T.amendments, b.amendments, function (m) {
      return m.when + " · " + m.field_text + ": " + m.before + " → " + m.after + " (" + m.reason + ")";
    });
    section(box, T.process, b.events, function (e) { return [e.when, e.type_text, e.note].filter(Boolean).join(" · "); });
    section(box, T.chemicals, b.chemicals, function (c) {
      return [c.applied_on, c.trade_name, c.active_ingredient, c.phi_days !== null ? T.phi + ": " + c.phi_days : ""]
        .filter(Boolean).join(" · ");
    });
    section(box, T.lab_tests, b.lab_tests, function (t) {
      return [t.sampled_on, t.laboratory, t.analyte, t.result_text].join(" · ");
    });
    box.hidden = false;
    $("field-form").reset();
    say($("form-message"), "");
    $("field-inspect").hidden = false;
  }

  // ---- recording an inspection on the phone

  var locate = $("locate");
  if (navigator.geolocation) {
    locate.addEventListener("click", function () {
      $("locate-status").textContent = T.position_busy;
      navigator.geolocation.getCurrentPosition(function (position) {
        $("f-latitude").value = position.coords.latitude.toFixed(6);
        $("f-longitude").value = position.coords.longitude.toFixed(6);
        $("locate-status").textContent = "± " + Math.round(position.coords.accuracy) + " m";
      }, function () { $("locate-status").textContent = T.position_failed; },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
    });
  } else {
    locate.hidden = true;
  }

  function shrink(file) {
    // a phone photo is several megabytes; at 1600 px it is a few hundred kilobytes to keep and to send
    if (!/^image\//.test(file.type) || file.size <= SMALL_ENOUGH || !window.createImageBitmap) return Promise.resolve(file);
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob && blob.size < file.size ? blob : file); }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });
  }

  function decimal(text) {
    text = (text || "").trim().replace(",", ".");
    return text || null;
  }

  $("field-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target;
    var message = $("form-message");
    if (!current) return;
    var action = form.elements.action.value;
    var reason = form.elements.reason.value.trim();
    var findings = form.elements.findings.value.trim();
    if (!form.elements.result.value) { say(message, T.result_required, "error"); return; }
    if (action !== "none" && !reason && !findings) { say(message, T.reason_required, "error"); return; }
    var codes = form.querySelectorAll("input[name=sample_code]");
    var labs = form.querySelectorAll("input[name=sample_laboratory]");
    var samples = [];
    for (var i = 0; i < codes.length; i++) {
      if (codes[i].value.trim()) samples.push({ sample_code: codes[i].value.trim(), laboratory: labs[i].value.trim() || null });
    }
    var key = newKey();
    var body = {
      client_key: key,
      batch_id: current.id,
      batch_version: current.version,
      result: form.elements.result.value,
      findings: findings || null,
      samples: samples,
      latitude: decimal(form.elements.latitude.value),
      longitude: decimal(form.elements.longitude.value),
      action: action,
      reason: reason || null,
      inspected_at: new Date().toISOString()
    };
    var files = Array.prototype.slice.call(form.elements.photos.files, 0, 5);
    var batch = current;
    Promise.all(files.map(shrink)).then(function (blobs) {
      var photoKeys = blobs.map(function () { return newKey(); });
      var writes = blobs.map(function (blob, n) {
        return db.set("photo:" + photoKeys[n], { key: photoKeys[n], inspection: key, blob: blob, name: files[n].name });
      });
      var record = {
        key: key, body: body, lot: batch.lot_code, product: batch.product, state: "waiting",
        photos: photoKeys, saved_at: new Date().toLocaleString()
      };
      return Promise.all(writes).then(function () { return db.set("inspection:" + key, record); });
    }).then(function () {
      form.reset();
      say(message, T.saved, "success");
      return showOutbox();
    }).then(sendAll);
  });

  // ---- what waits to be sent, and sending it once the signal is back

  function records() {
    return db.entries().then(function (all) {
      return all.filter(function (e) { return String(e[0]).indexOf("inspection:") === 0; })
        .map(function (e) { return e[1]; })
        .sort(function (a, b) { return a.body.inspected_at < b.body.inspected_at ? -1 : 1; });
    });
  }

  function showOutbox() {
    return records().then(function (list) {
      var ul = $("outbox");
      ul.textContent = "";
      $("outbox-status").textContent = list.length ? fill(T.waiting, { n: list.length }) : T.nothing_waiting;
      list.forEach(function (r) {
        var li = el("li", null, "outbox-item " + r.state);
        li.dataset.key = r.key;
        var what = r.lot + " · " + r.product + " · " + r.saved_at;
        if (r.body.action === "suspend") what += " · " + T.suspend_requested;
        if (r.body.action === "recall") what += " · " + T.recall_requested;
        if (r.photos.length) what += " · " + fill(T.photos_waiting, { n: r.photos.length });
        li.appendChild(el("span", what));
        if (r.state === "refused") {
          li.appendChild(el("p", fill(T.refused, { problem: r.problem }), "error-msg"));
          var discard = el("button", T.discard, "btn secondary discard");
          discard.type = "button";
          discard.addEventListener("click", function () {
            if (window.confirm(T.discard_confirm)) discardRecord(r).then(showOutbox);
          });
          li.appendChild(discard);
        }
        if (r.state === "conflict") {
          var box = el("div", null, "conflict");
          box.appendChild(el("p", T.conflict, "flash warning"));
          var lines = el("ul");
          (r.conflict || []).forEach(function (line) { lines.appendChild(el("li", line)); });
          box.appendChild(lines);
          [["apply", T.apply, "btn danger"], ["drop", T.drop, "btn secondary"]].forEach(function (d) {
            var button = el("button", d[1], d[2] + " decide-" + d[0]);
            button.type = "button";
            button.addEventListener("click", function () { decide(r, d[0]); });
            box.appendChild(button);
          });
          li.appendChild(box);
        }
        ul.appendChild(li);
      });
    });
  }

  function discardRecord(record) {
    // the server will never take this record as it is: the inspector removes it, and its photos, from the phone
    return Promise.all(record.photos.map(function (k) { return db.del("photo:" + k); }))
      .then(function () { return db.del("inspection:" + record.key); });
  }

  function signedOut(response) {
    return response.redirected || response.status === 401;
  }

  function freshToken() {
    // the page may come from the service worker's cache, made for an earlier sign-in: ask for the current token
    return fetch(app.dataset.tokenUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (signedOut(response) || !response.ok) { var e = new Error(T.sign_in); e.signedOut = true; throw e; }
        return response.json();
      }).then(function (body) { app.dataset.csrf = body.csrf_token; });
  }

  function call(url, options) {
    options.credentials = "same-origin";
    options.headers = Object.assign({ Accept: "application/json", "X-CSRFToken": app.dataset.csrf }, options.headers || {});
    return fetch(url, options).then(function (response) {
      // signed out, or a token the server no longer knows (400): nothing is refused, everything stays here
      if (signedOut(response) || response.status === 400) { var e = new Error(T.sign_in); e.signedOut = true; throw e; }
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { status: response.status, ok: response.ok, body: body };
      });
    });
  }

  function problem(body) {
    var out = body.message ? [body.message] : [];
    // {json: {samples: {"0": {sample_code: ["…"]}}}}: each message with the field it is about ("samples 1 sample_code")
    function walk(e, path) {
      if (typeof e === "string") { out.push((path.length ? path.join(" ") + ": " : "") + e); return; }
      if (Array.isArray(e)) { e.forEach(function (m) { walk(m, path); }); return; }
      Object.keys(e || {}).forEach(function (k) {
        walk(e[k], /^\d+$/.test(k) ? path.concat([String(Number(k) + 1)]) : path.concat([k]));
      });
    }
    Object.keys(body.errors || {}).forEach(function (where) { walk(body.errors[where], []); });
    return out.join(" ") || String(body.code || "");
  }

  function sendPhotos(record) {
    // one at a time, each under its own key; the phone's copy goes only once the server has answered 200
    var chain = Promise.resolve();
    record.photos.slice().forEach(function (photoKey) {
      chain = chain.then(function () { return db.get("photo:" + photoKey); }).then(function (photo) {
        if (!photo) { record.photos = record.photos.filter(function (k) { return k !== photoKey; }); return; }
        var data = new FormData();
        data.append("photo", photo.blob, photo.name || "photo.jpg");
        return call(app.dataset.sendUrl + "/" + record.server_id + "/photos/" + photoKey, { method: "PUT", body: data })
          .then(function (answer) {
            if (!answer.ok) { record.state = "refused"; record.problem = problem(answer.body); return; }
            record.photos = record.photos.filter(function (k) { return k !== photoKey; });
            return db.set("inspection:" + record.key, record).then(function () { return db.del("photo:" + photoKey); });
          });
      });
    });
    return chain;
  }

  function sendOne(record) {
    var first = record.server_id ? Promise.resolve(null) :
      call(app.dataset.sendUrl, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(record.body)
      });
    return first.then(function (answer) {
      if (answer) {
        if (!answer.ok) {
          record.state = "refused";
          record.problem = problem(answer.body);
          return db.set("inspection:" + record.key, record);
        }
        record.server_id = answer.body.id;
        if (answer.body.held_action) { record.state = "conflict"; record.conflict = answer.body.conflict; }
        else record.state = "sent";
        return db.set("inspection:" + record.key, record);
      }
    }).then(function () {
      if (record.server_id && record.state !== "refused") return sendPhotos(record);
    }).then(function () {
      // confirmed whole: the inspection and every photo arrived, and no decision waits
      if (record.state === "sent" && !record.photos.length) return db.del("inspection:" + record.key);
      return db.set("inspection:" + record.key, record);
    });
  }

  function decide(record, decision) {
    freshToken().then(function () { return call(app.dataset.sendUrl + "/" + record.server_id + "/held-action", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ decision: decision })
    }); }).then(function (answer) {
      if (!answer.ok) {
        record.problem = problem(answer.body);
        record.conflict = (record.conflict || []).concat([fill(T.refused, { problem: record.problem })]);
        return db.set("inspection:" + record.key, record);
      }
      record.state = "sent";
      if (!record.photos.length) return db.del("inspection:" + record.key);
      return db.set("inspection:" + record.key, record);
    }).catch(function (error) { say($("net-status"), error.message); }).then(showOutbox);
  }

  function sendAll() {
    if (sending) return Promise.resolve();
    var net = $("net-status");
    if (!navigator.onLine) { say(net, T.offline); return showOutbox(); }
    sending = true;
    return records().then(function (list) {
      var todo = list.filter(function (r) { return r.state === "waiting" || (r.state === "sent" && r.photos.length) ||
        (r.state === "conflict" && r.photos.length); });
      if (!todo.length) return;
      $("outbox-status").textContent = T.sending;
      var chain = freshToken();
      todo.forEach(function (r) { chain = chain.then(function () { return sendOne(r); }); });
      return chain.then(function () { say(net, ""); });
    }).catch(function (error) {
      say(net, error.signedOut ? T.sign_in : T.offline); // no answer (or a lost one): everything stays here
    }).then(function () { sending = false; return showOutbox(); });
  }

  $("send-now").addEventListener("click", sendAll);
  window.addEventListener("online", sendAll);
  window.addEventListener("offline", function () { say($("net-status"), T.offline); });
  setInterval(sendAll, 30000);

  db.get("pack").then(showPack).then(showOutbox).then(sendAll);
})();
