/* Staffing: "Add role" and "Add skill" on the new-request form clone the page's
   <template>s, numbering the new fields after the last ones. Without JavaScript
   the form still offers a few empty roles and skill rows. */
(function () {
  "use strict";
  var form = document.getElementById("staffing-form");
  if (!form) { return; }
  var roles = document.getElementById("staffing-roles");
  var roleTemplate = document.getElementById("staffing-role-template");
  var skillTemplate = document.getElementById("staffing-skill-template");
  var maxRoles = parseInt(form.dataset.maxRoles, 10) || 20;
  var maxSkills = parseInt(form.dataset.maxSkills, 10) || 30;

  function fromTemplate(template, r, s, n) {
    var html = template.innerHTML
      .replace(/__R__/g, String(r))
      .replace(/__S__/g, String(s))
      .replace(/__N__/g, String(n));
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    return holder.firstElementChild;
  }

  function roleNumber(block) {
    return block.getAttribute("data-role").replace("role-", "");
  }

  function addSkill(block, focus) {
    var rows = block.querySelector("[data-skill-rows]");
    if (rows.children.length >= maxSkills) { return; }
    var next = parseInt(block.dataset.nextSkill, 10) || 0;
    var row = fromTemplate(skillTemplate, roleNumber(block), next, 0);
    block.dataset.nextSkill = String(next + 1);
    rows.appendChild(row);
    if (focus) { row.querySelector("input").focus(); }
  }

  function wire(block) {
    var button = block.querySelector("[data-add-skill]");
    button.hidden = false;
    button.addEventListener("click", function () { addSkill(block, true); });
  }

  function addRole() {
    var count = roles.querySelectorAll(".staffing-role").length;
    if (count >= maxRoles) { return; }
    var next = parseInt(form.dataset.nextRole, 10) || count;
    var block = fromTemplate(roleTemplate, next, 0, count + 1);
    block.dataset.nextSkill = "0";
    block.querySelector("[data-skill-rows]").innerHTML = "";
    form.dataset.nextRole = String(next + 1);
    roles.appendChild(block);
    addSkill(block, false);
    addSkill(block, false);
    wire(block);
    block.querySelector("input").focus();
  }

  roles.querySelectorAll(".staffing-role").forEach(wire);
  var addRoleButton = form.querySelector("[data-add-role]");
  addRoleButton.hidden = false;
  addRoleButton.addEventListener("click", addRole);
})();
