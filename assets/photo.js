/* Listing photos from real phones: a 3-14 MB camera JPEG is drawn onto a canvas at most 1600 px wide and sent
 * as a ~200 KB JPEG (2G-friendly), with a progress bar, to POST /api/market/listings/{id}/photo (the server
 * checks and re-encodes it again). Any <input type=file data-photo-listing=ID> inside a [data-photo-box] works;
 * its data-* attributes carry the limit and the words to show, in the reader's language. When the upload is
 * done the page's hidden #photo-done button asks the page to reload the listing. */
(function () {
  if (window.kisaanPhoto) return;
  var SIDE = 1600, QUALITY = 0.82;

  function shrink(file) {
    return new Promise(function (resolve) {
      if (!/^image\/(jpeg|png|webp)$/.test(file.type || "")) return resolve(file);
      var url = URL.createObjectURL(file), img = new Image();
      img.onload = function () {
        var scale = Math.min(1, SIDE / Math.max(img.naturalWidth, img.naturalHeight));
        var canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
        canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        canvas.toBlob(function (blob) { resolve(blob && blob.size < file.size ? blob : file); }, "image/jpeg", QUALITY);
      };
      img.onerror = function () { URL.revokeObjectURL(url); resolve(file); }; // the server will say what is wrong
      img.src = url;
    });
  }

  function say(box, text, busy) {
    var message = box.querySelector("[data-photo-message]"), bar = box.querySelector("progress");
    if (message) message.textContent = text || "";
    if (bar) { bar.hidden = !busy; if (busy) bar.removeAttribute("value"); }
  }

  function send(input, box, blob) {
    var form = new FormData();
    form.append("file", blob, "photo.jpg");
    var xhr = new XMLHttpRequest(), bar = box.querySelector("progress");
    xhr.open("POST", "/api/market/listings/" + input.dataset.photoListing + "/photo");
    xhr.setRequestHeader("Accept-Language", input.dataset.lang || "en");
    xhr.upload.onprogress = function (p) { if (p.lengthComputable && bar) { bar.max = p.total; bar.value = p.loaded; } };
    xhr.onload = function () {
      input.value = "";
      if (xhr.status >= 200 && xhr.status < 300) {
        say(box, "", false);
        var done = document.getElementById("photo-done");
        if (done) done.click();
        return;
      }
      var text = input.dataset.failed;
      try { text = JSON.parse(xhr.responseText).error.message || text; } catch (err) { /* not our JSON */ }
      say(box, text, false);
      box.setAttribute("data-photo-state", "error");
    };
    xhr.onerror = function () { input.value = ""; say(box, input.dataset.failed, false); box.setAttribute("data-photo-state", "error"); };
    say(box, input.dataset.uploading, true);
    xhr.send(form);
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input || !input.matches || !input.matches("input[data-photo-listing]")) return;
    var file = input.files && input.files[0], box = input.closest("[data-photo-box]");
    if (!file || !box) return;
    box.setAttribute("data-photo-state", "working");
    say(box, input.dataset.shrinking, true);
    shrink(file).then(function (blob) {
      if (blob.size > Number(input.dataset.maxBytes || 0)) {
        input.value = "";
        say(box, input.dataset.tooLarge, false);
        box.setAttribute("data-photo-state", "error");
        return;
      }
      send(input, box, blob);
    });
  });
  window.kisaanPhoto = { shrink: shrink };
})();
