(function(){
  /* highlights: the value named by the URL hash (#mark-t1) or a clicked row link flashes */
  function flash(id){
    document.querySelectorAll('.flash').forEach(function(e){e.classList.remove('flash');});
    var marks=document.querySelectorAll('mark[data-id="'+id+'"], rect[data-id="'+id+'"]');
    marks.forEach(function(e){void e.getBoundingClientRect();e.classList.add('flash');});
    var box=document.querySelector('rect[data-id="'+id+'"]');
    if(box&&box.scrollIntoView){box.scrollIntoView({block:'center'});}
    var first=document.getElementById('mark-'+id);
    if(first){first.scrollIntoView({block:'center'});}
    document.body.setAttribute('data-flashed',id);
    return marks.length;
  }
  function fromHash(){
    var h=decodeURIComponent(location.hash||'');
    if(h.indexOf('#mark-')===0){flash(h.slice(6));}
  }
  document.addEventListener('click',function(ev){
    var a=ev.target.closest&&ev.target.closest('a[href^="#mark-"]');
    if(a){var id=a.getAttribute('href').slice(6);
      if(location.hash===a.getAttribute('href')){ev.preventDefault();flash(id);}}
    var fig=ev.target.closest&&ev.target.closest('figure.scan');
    if(fig&&!ev.target.closest('a')){fig.classList.toggle('zoom');}
  });
  window.addEventListener('hashchange',fromHash);
  window.addEventListener('beforeprint',function(){
    document.querySelectorAll('details').forEach(function(d){d.setAttribute('open','');});});

  /* a page image follows its text: scrolled in proportion as the text of its page scrolls by */
  function syncScans(){
    var panel=document.getElementById('source');
    if(!panel){return;}
    var own=panel.scrollHeight>panel.clientHeight+2;  /* the panel scrolls (wide screens), else the window */
    var top=own?panel.getBoundingClientRect().top:0, h=own?panel.clientHeight:window.innerHeight;
    panel.querySelectorAll('.page.with-image').forEach(function(page){
      var fig=page.querySelector('figure.scan'), r=page.getBoundingClientRect();
      if(!fig||r.bottom<top||r.top>top+h){return;}
      var range=r.height-fig.clientHeight;
      if(range<=0){return;}
      var f=Math.min(1,Math.max(0,(top-r.top)/range));
      fig.scrollTop=f*(fig.scrollHeight-fig.clientHeight);
    });
  }

  /* the reviewer's decisions: kept in localStorage, downloaded as JSON for `chithi review --apply` */
  var body=document.body, docId=body.getAttribute('data-doc-id'), sha=body.getAttribute('data-sha256');
  var KEY='chithi-review:'+docId+':'+sha;
  var originals=JSON.parse(document.getElementById('chithi-originals').textContent);
  var state;
  function load(){
    try{state=JSON.parse(localStorage.getItem(KEY)||'null');}catch(e){state=null;}
    if(!state||typeof state!=='object'){
      state={reviewer:'',items:{}};
      /* a stored document: start from the decisions stored by `chithi review --apply` */
      JSON.parse(document.getElementById('chithi-stored').textContent).forEach(function(d){
        state.reviewer=state.reviewer||d.reviewer||'';
        state.items[d.item]={decision:d.decision, value:d.value||'', note:d.note||'', decided_at:d.decided_at};
      });
    }
    state.items=state.items||{};
  }
  function save(){try{localStorage.setItem(KEY,JSON.stringify(state));}catch(e){}}
  function cellOf(item){return document.querySelector('td.decide[data-item="'+item+'"]');}
  function paint(item){
    var cell=cellOf(item); if(!cell){return;}
    var d=state.items[item]||{}, row=cell.closest('tr');
    ['accept','reject','correct'].forEach(function(k){row.classList.toggle('d-'+k,d.decision===k);});
    cell.querySelectorAll('.d-btn').forEach(function(b){
      b.setAttribute('aria-pressed',String(b.getAttribute('data-decision')===d.decision));});
    var v=cell.querySelector('.d-value'), n=cell.querySelector('.d-note');
    v.hidden=d.decision!=='correct';
    if(document.activeElement!==v){v.value=d.value||'';}
    if(document.activeElement!==n){n.value=d.note||'';}
    document.querySelectorAll('mark[data-id="'+item+'"]').forEach(function(m){
      if(d.decision){m.setAttribute('data-decision',d.decision);}else{m.removeAttribute('data-decision');}});
  }
  function decided(){
    return Object.keys(state.items).filter(function(k){return state.items[k].decision;});
  }
  function progress(){
    var n=decided().length, el=document.getElementById('review-progress');
    if(el){el.textContent=n+'/'+body.getAttribute('data-reviewable');}
    body.setAttribute('data-decided',String(n));
  }
  function decide(item,decision){
    var d=state.items[item]||(state.items[item]={});
    if(d.decision===decision){delete d.decision;}
    else{
      d.decision=decision;
      if(decision==='correct'&&!d.value){d.value=originals[item]||'';}
    }
    d.decided_at=new Date().toISOString();
    save();paint(item);progress();
    if(d.decision==='correct'){var v=cellOf(item).querySelector('.d-value');v.focus();v.select();}
  }
  function payload(){
    return {chithi_review:1, doc_id:docId, sha256:sha, reviewer:state.reviewer||null,
      exported_at:new Date().toISOString(),
      decisions:decided().map(function(k){var d=state.items[k];
        return {item:k, decision:d.decision, value:d.decision==='correct'?(d.value||''):null,
          original:originals[k]===undefined?null:originals[k], note:d.note||null,
          reviewer:state.reviewer||null, decided_at:d.decided_at||null};})};
  }
  function download(){
    var blob=new Blob([JSON.stringify(payload(),null,2)],{type:'application/json'});
    var a=document.createElement('a');
    a.href=URL.createObjectURL(blob);a.download='chithi-review-'+docId+'.json';
    document.body.appendChild(a);a.click();
    setTimeout(function(){URL.revokeObjectURL(a.href);a.remove();},1000);
  }
  document.addEventListener('click',function(ev){
    var b=ev.target.closest&&ev.target.closest('button.d-btn');
    if(b){decide(b.closest('td.decide').getAttribute('data-item'),b.getAttribute('data-decision'));}
  });
  document.addEventListener('input',function(ev){
    var t=ev.target, cell=t.closest&&t.closest('td.decide');
    if(t.id==='reviewer'){state.reviewer=t.value;save();return;}
    if(!cell){return;}
    var item=cell.getAttribute('data-item'), d=state.items[item]||(state.items[item]={});
    if(t.classList.contains('d-value')){d.value=t.value;}
    if(t.classList.contains('d-note')){d.note=t.value;}
    save();
  });
  document.addEventListener('DOMContentLoaded',function(){
    load();
    var r=document.getElementById('reviewer'); if(r){r.value=state.reviewer||'';}
    document.querySelectorAll('td.decide').forEach(function(c){paint(c.getAttribute('data-item'));});
    progress();
    var dl=document.getElementById('download'); if(dl){dl.addEventListener('click',download);}
    var cl=document.getElementById('clear-decisions');
    if(cl){cl.addEventListener('click',function(){
      if(!decided().length||confirm('Xóa mọi quyết định trên trang này?')){
        state.items={};save();document.querySelectorAll('td.decide').forEach(function(c){paint(c.getAttribute('data-item'));});progress();}});}
    var src=document.getElementById('source');
    if(src){src.addEventListener('scroll',syncScans,{passive:true});}
    window.addEventListener('scroll',syncScans,{passive:true});
    var n=document.querySelectorAll('mark.hl').length;
    body.setAttribute('data-marks',String(n));
    fromHash();
  });
  window.chithiFlash=flash;
  window.chithiDecisions=payload;
})();
