// htmx leaves 4xx answers unswapped by default. The project pages answer a refused form (422, 409, 412)
// with the same fragment carrying the message, so let htmx swap those in place.
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  if (status === 409 || status === 412 || status === 422) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
