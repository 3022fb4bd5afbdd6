// Duplicate review: when the supervisor picks the record to keep, each differing field
// proposes that record's value again (or the other's where it is empty).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("[data-merge-form]");
  if (!form) return;
  form.querySelectorAll("input[data-survivor]").forEach((survivor) => {
    survivor.addEventListener("change", () => {
      const key = survivor.dataset.survivor === "a" ? "defaultIfA" : "defaultIfB";
      form.querySelectorAll("input[name^='choice_']").forEach((choice) => {
        if (choice.dataset[key]) choice.checked = true;
      });
    });
  });
});
