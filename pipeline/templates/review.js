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
  /* served by `chithi serve`: every decision is saved to the database at once (the page holds no state of its own) */
  var server=body.getAttribute('data-decide-url'), csrf=body.getAttribute('data-csrf');
  var state;
  function fromStored(list){
    var items={};
    list.forEach(function(d){
      items[d.item]={decision:d.decision, value:d.value||'', note:d.note||'', decided_at:d.decided_at,
        reviewer:d.reviewer||''};});
    return items;
  }
  function load(){
    if(server){
      var who=''; try{who=localStorage.getItem('chithi-reviewer')||'';}catch(e){}
      state={reviewer:who, items:fromStored(JSON.parse(document.getElementById('chithi-stored').textContent))};
      return;
    }
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
  function save(){
    try{
      if(server){localStorage.setItem('chithi-reviewer',state.reviewer||'');}
      else{localStorage.setItem(KEY,JSON.stringify(state));}
    }catch(e){}
  }
  function status(text,cls){
    var el=document.getElementById('save-state'); if(!el){return;}
    el.textContent=text; el.className='save-state'+(cls?' '+cls:'');
  }
  /* POST decisions; the answer is every decision in force on the document (others' included): the page shows them */
  function send(list){
    if(!state.reviewer){
      status('Nhập tên người rà soát trước · enter your name first','err');
      var r=document.getElementById('reviewer'); if(r){r.focus();}
      return;
    }
    status('đang lưu… · saving','busy');
    fetch(server,{method:'POST',credentials:'same-origin',
      headers:{'Content-Type':'application/json','X-Chithi-CSRF':csrf},
      body:JSON.stringify({reviewer:state.reviewer, decisions:list})})
    .then(function(r){return r.json().then(function(j){return {ok:r.ok,j:j};});})
    .then(function(res){
      if(!res.ok){status('không lưu được: '+(res.j.error||'lỗi'),'err');return;}
      var fresh=fromStored(res.j.decisions||[]);
      Object.keys(state.items).forEach(function(k){  /* a correction being typed stays until it is sent */
        if(!fresh[k]&&state.items[k].pending){fresh[k]=state.items[k];}});
      state.items=fresh;
      document.querySelectorAll('td.decide').forEach(function(c){paint(c.getAttribute('data-item'));});
      progress();
      status('đã lưu '+res.j.review.decided+'/'+res.j.review.total+' · saved','ok');
      body.setAttribute('data-saved',String((+body.getAttribute('data-saved')||0)+1));
    })
    .catch(function(e){status('không lưu được: '+e,'err');});
  }
  function one(item){
    var d=state.items[item]||{};
    return {item:item, decision:d.decision||'clear', value:d.decision==='correct'?(d.value||''):null, note:d.note||null};
  }
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
    /* the corrected value shown beside the extracted one, and in the heading */
    var fixed=d.decision==='correct'&&!d.pending&&d.value?d.value:'';
    var vcell=row.querySelector('td.vcell');
    if(vcell){
      var c=vcell.querySelector('.corrected');
      if(fixed&&!c){c=document.createElement('div');c.className='corrected';vcell.insertBefore(c,vcell.firstChild);}
      if(c){if(fixed){c.textContent='→ '+fixed;c.title='đã sửa · corrected'+(d.reviewer?' ('+d.reviewer+')':'');}else{c.remove();}}
    }
    if(item==='meta-subject'||item==='meta-number'){heading();}
  }
  function fixedValue(item){
    var d=state.items[item]||{};
    return d.decision==='correct'&&!d.pending&&d.value?d.value:null;
  }
  function heading(){
    var h=document.getElementById('heading-name'), t=document.getElementById('doc-title');
    if(!h||!t){return;}
    if(!h.hasAttribute('data-orig')){h.setAttribute('data-orig',h.textContent);t.setAttribute('data-orig',t.textContent);}
    var num=fixedValue('meta-number'), subj=fixedValue('meta-subject');
    h.textContent=num?'· '+num:subj&&!originals['meta-number']?'· '+subj:h.getAttribute('data-orig');
    t.textContent=subj||t.getAttribute('data-orig');
    if(num||subj){document.title=(num||subj)+' · rà soát chithi';}
  }
  function decided(){
    return Object.keys(state.items).filter(function(k){return state.items[k].decision;});
  }
  function counted(){  /* fills are not among the extracted values the progress counts */
    return decided().filter(function(k){return originals[k]!==null&&originals[k]!==undefined;});
  }
  function progress(){
    var n=counted().length, el=document.getElementById('review-progress');
    if(el){el.textContent=n+'/'+body.getAttribute('data-reviewable');}
    body.setAttribute('data-decided',String(n));
  }
  function decide(item,decision){
    var d=state.items[item]||(state.items[item]={});
    if(d.decision===decision){delete d.decision;delete d.pending;}
    else{
      d.decision=decision;
      if(decision==='correct'&&!d.value){d.value=originals[item]||'';}
      /* on the server a correction is saved when its value is entered (Enter, or leaving the field) */
      if(server&&decision==='correct'){d.pending=true;}else{delete d.pending;}
    }
    d.decided_at=new Date().toISOString();
    save();paint(item);progress();
    if(server&&!d.pending){send([one(item)]);}
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
    if(t.classList.contains('d-value')){d.value=t.value;if(!server){paint(item);}}
    if(t.classList.contains('d-note')){d.note=t.value;}
    save();
  });
  /* on the server: a value or a note is saved when it is entered */
  document.addEventListener('change',function(ev){
    var t=ev.target, cell=t.closest&&t.closest('td.decide');
    if(!server||!cell||!(t.classList.contains('d-value')||t.classList.contains('d-note'))){return;}
    var item=cell.getAttribute('data-item'), d=state.items[item]||(state.items[item]={});
    if(t.classList.contains('d-value')){d.value=t.value;}else{d.note=t.value;}
    if(!d.decision){return;}  /* a note alone waits for a decision */
    if(d.decision==='correct'){
      var v=(d.value||'').trim();
      if(!v){status('nhập giá trị · enter the value','err');return;}
      if(d.pending&&v===(originals[item]||'')){return;}  /* not changed yet */
    }
    delete d.pending;
    send([one(item)]);
  });
  document.addEventListener('keydown',function(ev){
    var t=ev.target;
    if(server&&ev.key==='Enter'&&t.classList&&(t.classList.contains('d-value')||t.classList.contains('d-note'))){t.blur();}
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
