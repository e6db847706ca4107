// The trade-data upload form, enhanced: drag and drop onto the drop zone, the file picker
// limited to the chosen format's extensions, the stock options only for stock reports, and the
// upload sent by XHR so a progress bar can show it. The server renders the outcome (summary or
// problems, in the user's language) as an HTML fragment, swapped in here. Without JavaScript the
// form posts normally and the page comes back with the same outcome. No inline script (CSP).
(function () {
  var form = document.getElementById("upload-form");
  if (!form) { return; }
  var zone = document.getElementById("drop-zone");
  var input = document.getElementById("upload-file");
  var format = document.getElementById("upload-format");
  var chosen = document.getElementById("chosen-file");
  var progress = document.getElementById("upload-progress");
  var status = document.getElementById("upload-status");
  var button = form.querySelector("button[type=submit]");

  function csrfToken() {
    // The session's token, as every page carries it for htmx (hx-headers on <body>).
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
    } catch (error) {
      return "";
    }
  }

  function showFormatOptions() {
    var option = format.options[format.selectedIndex];
    input.setAttribute("accept", option ? option.dataset.extensions || "" : "");
    document.querySelectorAll("[data-for-format]").forEach(function (element) {
      element.hidden = element.dataset.forFormat !== format.value;
    });
  }

  function showChosen() {
    chosen.textContent = input.files.length ? input.files[0].name : "";
  }

  function say(text) {
    status.hidden = false;
    status.textContent = text;
  }

  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      event.preventDefault();
      zone.classList.add("dragging");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      event.preventDefault();
      zone.classList.remove("dragging");
    });
  });
  zone.addEventListener("drop", function (event) {
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      showChosen();
    }
  });
  input.addEventListener("change", showChosen);
  format.addEventListener("change", showFormatOptions);
  showFormatOptions();

  form.addEventListener("submit", function (event) {
    if (!input.files.length) { return; }  // the browser's own "required" message says why
    event.preventDefault();
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("X-CSRF-Token", csrfToken());
    request.setRequestHeader("X-Fourflow-Fragment", "upload-outcome");
    progress.hidden = false;
    progress.value = 0;
    button.disabled = true;
    say(status.dataset.uploading.replace("{percent}", "0"));
    request.upload.addEventListener("progress", function (progressEvent) {
      if (!progressEvent.lengthComputable) { return; }
      var percent = Math.round(100 * progressEvent.loaded / progressEvent.total);
      progress.value = percent;
      progress.dataset.percent = String(percent);  // what was last reported (tests read it)
      say(percent < 100 ? status.dataset.uploading.replace("{percent}", String(percent))
                        : status.dataset.processing);
    });
    request.addEventListener("load", function () {
      button.disabled = false;
      progress.hidden = true;  // done: the outcome below says how it went
      var outcome = document.getElementById("upload-outcome");
      // Only our fragment is swapped in (an error page or JSON from elsewhere is not).
      if (request.getResponseHeader("X-Fourflow-Fragment") === "upload-outcome" && outcome) {
        status.hidden = true;
        outcome.innerHTML = request.responseText;  // our own server-rendered, escaped fragment
        var result = document.getElementById("upload-result");
        if (result) { result.scrollIntoView({ block: "nearest" }); }
        if (request.status < 300) {
          input.value = "";
          showChosen();
        }
      } else {
        say(status.dataset.failed);
      }
    });
    request.addEventListener("error", function () {
      button.disabled = false;
      progress.hidden = true;
      say(status.dataset.failed);
    });
    request.send(new FormData(form));
  });
})();
